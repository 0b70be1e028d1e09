import { ValidationArguments, registerDecorator } from 'class-validator';
import { webhookSecretProblem } from './webhook-secret';

/** WEBHOOK_SECRET in either of its forms; the message says what is wrong with the form it was given. */
export function IsWebhookSecret(): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isWebhookSecret',
      target: target.constructor,
      propertyName: property as string,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && webhookSecretProblem(value) === undefined,
        defaultMessage: ({ value }: ValidationArguments) =>
          (typeof value === 'string' && webhookSecretProblem(value)) || 'WEBHOOK_SECRET must be a string',
      },
    });
}
