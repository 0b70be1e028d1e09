import { validate } from 'class-validator';
import { VALIDATION_OPTIONS, validationMessages } from '../../common/validation-options';
import { SendEmailDto, toSendEmailDto } from './dto/send-email.dto';

/**
 * The message, or one line per problem with it. The send routes validate here rather than through the
 * global ValidationPipe, whose generic checks cost as much again as the validation itself on this
 * hottest path.
 */
export async function validateSendEmail(item: unknown): Promise<SendEmailDto | string[]> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return ['must be a message object'];
  const dto = toSendEmailDto(item);
  if (Array.isArray(dto)) return dto;
  const errors = await validate(dto, VALIDATION_OPTIONS);
  return errors.length > 0 ? validationMessages(errors) : dto;
}
