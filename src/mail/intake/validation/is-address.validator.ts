import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';
import { countAddresses, parseAddress, parseAddressList } from '../address';

export const MAX_RECIPIENTS = 50;
const RECIPIENT_FIELDS = ['to', 'cc', 'bcc'] as const;

/** One address in any accepted form. */
export function IsAddress(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isAddress',
      target: target.constructor,
      propertyName: property as string,
      options,
      validator: {
        validate: (value: unknown) => !('problem' in parseAddress(value)),
        defaultMessage: ({ property, value }: ValidationArguments) => {
          const parsed = parseAddress(value);
          return 'problem' in parsed ? `${property} ${parsed.problem}` : '';
        },
      },
    });
}

/**
 * One address or an array of them; also enforces the limit on recipients across to, cc and bcc,
 * which only a field that can see its siblings can check.
 */
export function IsAddressList(options: ValidationOptions & { nonEmpty?: boolean } = {}): PropertyDecorator {
  const problemsOf = ({ property, value, object }: ValidationArguments): string[] => {
    if (options.nonEmpty && Array.isArray(value) && value.length === 0) {
      return [`${property} must contain at least one address`];
    }
    const { problems } = parseAddressList(property, value);
    const total = RECIPIENT_FIELDS.reduce(
      (sum, field) => sum + countAddresses((object as Record<string, unknown>)[field]),
      0,
    );
    if (property === 'to' && total > MAX_RECIPIENTS) {
      problems.push(`to, cc and bcc together must not have more than ${MAX_RECIPIENTS} recipients (got ${total})`);
    }
    return problems;
  };
  return (target, property) =>
    registerDecorator({
      name: 'isAddressList',
      target: target.constructor,
      propertyName: property as string,
      options,
      validator: {
        validate: (_value: unknown, args: ValidationArguments) => problemsOf(args).length === 0,
        defaultMessage: (args: ValidationArguments) => problemsOf(args).join('; '),
      },
    });
}
