import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';

export interface StringMapLimits {
  maxEntries: number;
  maxKeyLength: number;
  maxValueLength: number;
}

function mapProblems(property: string, value: unknown, limits: StringMapLimits): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${property} must be an object of string values`];
  }
  // Data only until some code copies the map by assignment, which would set the copy's prototype instead.
  if (Object.hasOwn(value, '__proto__')) return [`${property} must not have a "__proto__" key`];
  const entries = Object.entries(value);
  if (entries.length > limits.maxEntries) return [`${property} must have at most ${limits.maxEntries} entries`];
  return entries.flatMap(([key, entry]) => {
    if (key.length === 0 || key.length > limits.maxKeyLength) {
      return [`${property} keys must be 1 to ${limits.maxKeyLength} characters`];
    }
    if (typeof entry !== 'string') return [`${property}.${key} must be a string`];
    if (entry.length > limits.maxValueLength) {
      return [`${property}.${key} must be at most ${limits.maxValueLength} characters`];
    }
    return [];
  });
}

/** A flat object of string values, bounded so that it stays cheap to store and to pass to providers. */
export function IsStringMap(limits: StringMapLimits, options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName: property as string,
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => mapProblems(args.property, value, limits).length === 0,
        defaultMessage: ({ property, value }: ValidationArguments) => mapProblems(property, value, limits).join('; '),
      },
    });
}
