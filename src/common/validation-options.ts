import type { ValidationError, ValidatorOptions } from 'class-validator';

/**
 * How request bodies are validated, by the global ValidationPipe and for each item of a batch alike:
 * unknown fields are refused, and each field reports its first problem only.
 */
export const VALIDATION_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: true,
};

/** One line per problem, nested fields named by their path (`attachments.0.filename ...`), as the pipe does. */
export function validationMessages(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      parent ? withPath(message, error.property, path) : message,
    );
    return [...own, ...validationMessages(error.children ?? [], path)];
  });
}

/**
 * The message with the property named by its path, whether it starts with the property or is the
 * whitelist's `property x should not exist`. Plain string matching: the property is the caller's key.
 */
function withPath(message: string, property: string, path: string): string {
  if (message.startsWith(`${property} `)) return `${path}${message.slice(property.length)}`;
  const unknown = `property ${property} `;
  if (message.startsWith(unknown)) return `property ${path} ${message.slice(unknown.length)}`;
  return message;
}
