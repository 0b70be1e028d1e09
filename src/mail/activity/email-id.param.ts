import { BadRequestException, ParseUUIDPipe, applyDecorators } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ApiError } from '../../http/api-error.decorator';

const NOT_AN_ID_EXAMPLE = ['id must be a UUID'];

/** Reads a message's id from the path; one that is not a UUID is a 400 naming the field, as every other 400 does (Nest's own says only "Validation failed"). */
export const EMAIL_ID = new ParseUUIDPipe({ version: '4', exceptionFactory: () => new BadRequestException(NOT_AN_ID_EXAMPLE) });

/**
 * Documents a route on one message: its `id` parameter, the 400 of a malformed id (`badRequest` when
 * the route has other reasons for a 400) and the 404 of one the key may not see.
 */
export const ApiEmailId = (badRequest = 'The id is not a mailroute id (a UUID).') =>
  applyDecorators(
    ApiParam({ name: 'id', description: "The message's id, as `POST /v1/emails` answered it.", schema: { type: 'string', format: 'uuid' } }),
    ApiError(400, badRequest, NOT_AN_ID_EXAMPLE),
    ApiError(404, 'No message with this id that this API key may see (or it has expired).', 'No email with id 3f0c9a2e-1b7d-4c55-9e0a-5f2d8c1b7e44'),
  );
