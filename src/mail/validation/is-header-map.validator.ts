import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';

/** RFC 5322 field-name: printable US-ASCII except colon. */
const FIELD_NAME = /^[!-9;-~]+$/;
const MAX_HEADERS = 50;
const MAX_VALUE_LENGTH = 998;

/**
 * Headers mailroute sets from the message's own fields or that the transport owns: letting callers set
 * them would contradict the fields, or forge routing information.
 */
export const RESERVED_HEADERS = new Set([
  'from', 'to', 'cc', 'bcc', 'reply-to', 'sender', 'subject', 'date', 'message-id',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition',
  'return-path', 'received', 'dkim-signature',
]);

function headerProblems(property: string, value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${property} must be an object of header names to string values`];
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) return [`${property} must have at most ${MAX_HEADERS} headers`];
  return entries.flatMap(([name, headerValue]) => headerProblem(property, name, headerValue) ?? []);
}

function headerProblem(property: string, name: string, value: unknown): string | undefined {
  if (!FIELD_NAME.test(name)) return `${property} has an invalid header name "${name}"`;
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    return `${property}.${name} cannot be set as a custom header; use the message's own field`;
  }
  if (typeof value !== 'string') return `${property}.${name} must be a string`;
  if (/[\r\n]/.test(value)) return `${property}.${name} must not contain CR or LF`;
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
