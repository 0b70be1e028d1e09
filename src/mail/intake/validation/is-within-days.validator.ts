import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';

const DAY_MS = 86_400_000;

/** An ISO 8601 time no more than `days` from now (earlier times are fine: they mean "now"). */
export function IsWithinDays(days: number, options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isWithinDays',
      target: target.constructor,
      propertyName: property as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && Date.parse(value) <= Date.now() + days * DAY_MS,
        defaultMessage: ({ property }: ValidationArguments) => `${property} must be at most ${days} days from now`,
      },
    });
}
