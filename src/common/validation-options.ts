import type { ValidatorOptions } from 'class-validator';

/**
 * How request bodies are validated, by the global ValidationPipe and for each item of a batch alike:
 * unknown fields are refused, and each field reports its first problem only.
 */
export const VALIDATION_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: true,
};
