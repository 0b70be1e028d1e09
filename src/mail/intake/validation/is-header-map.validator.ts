import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';
import { controlCharacterProblem } from './no-control-characters.validator';
import { reservedHeaderProblem } from './reserved-headers';

/** RFC 5322 field-name: printable US-ASCII except colon. */
const FIELD_NAME = /^[!-9;-~]+$/;
const MAX_HEADERS = 50;
const MAX_VALUE_LENGTH = 998;

function headerProblems(property: string, value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${property} must be an object of header names to string values`];
  }
  // Data only until some code copies the map by assignment, which would set the copy's prototype instead.
  if (Object.hasOwn(value, '__proto__')) return [`${property} must not have a "__proto__" key`];
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) return [`${property} must have at most ${MAX_HEADERS} headers`];
  return entries.flatMap(([name, headerValue]) => headerProblem(property, name, headerValue) ?? []);
}

function headerProblem(property: string, name: string, value: unknown): string | undefined {
  if (!FIELD_NAME.test(name)) return `${property} has an invalid header name "${name}"`;
  const reserved = reservedHeaderProblem(name);
  if (reserved) return `${property}.${name} ${reserved}`;
  if (typeof value !== 'string') return `${property}.${name} must be a string`;
  const control = controlCharacterProblem(value);
  if (control) return `${property}.${name} ${control}`;
  if (value.length > MAX_VALUE_LENGTH) return `${property}.${name} must be at most ${MAX_VALUE_LENGTH} characters`;
  return undefined;
}

export function IsHeaderMap(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isHeaderMap',
      target: target.constructor,
      propertyName: property as string,
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => headerProblems(args.property, value).length === 0,
        defaultMessage: ({ property, value }: ValidationArguments) => headerProblems(property, value).join('; '),
      },
    });
}
