import { applyDecorators } from '@nestjs/common';
import { Expose, Transform } from 'class-transformer';
import { IsString, MaxLength, ValidationArguments, registerDecorator } from 'class-validator';
import { parseAddress } from '../mail/intake/intake.module';

/** RFC 5321's limit on a path (256) less its angle brackets. */
export const MAX_ADDRESS_LENGTH = 254;

/**
 * The address a provider event is about, as mailroute stores it, or undefined when the value is not
 * one address. Long values are refused before parsing, so that no one pays to parse (or caches) megabytes.
 */
export function recipientAddress(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_ADDRESS_LENGTH) return undefined;
  const parsed = parseAddress(value);
  return 'address' in parsed ? parsed.address.email : undefined;
}

/**
 * A provider event's recipient, read from the payload: a string of at most MAX_ADDRESS_LENGTH characters
 * that is one address, kept as mailroute stores addresses.
 */
export const RecipientAddress = () =>
  applyDecorators(
    Expose(),
    Transform(({ value }: { value: unknown }) => recipientAddress(value) ?? value),
    IsString(),
    MaxLength(MAX_ADDRESS_LENGTH),
    IsOneAddress(),
  );

/** One email address of at most MAX_ADDRESS_LENGTH characters; the message does not repeat the value. */
function IsOneAddress(): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isRecipientAddress',
      target: target.constructor,
      propertyName: property as string,
      validator: {
        validate: (value: unknown) => recipientAddress(value) !== undefined,
        defaultMessage: ({ property }: ValidationArguments) =>
          `${property} must be one email address of at most ${MAX_ADDRESS_LENGTH} characters`,
      },
    });
}
