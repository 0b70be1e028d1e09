import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiError } from '../http/api-error.decorator';
import { scopeMissing } from './api-key.guard';
import { Scope } from './principal';

export const REQUIRED_SCOPE = 'mailroute:required-scope';

/** The scope a route needs beyond the `send` every route that is not public needs. */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** An operator-only controller: needs the admin scope, and says so in the API docs. */
export const AdminOnly = () =>
  applyDecorators(
    RequireScope('admin'),
    ApiError(403, 'The API key does not have the admin scope.', scopeMissing('admin')),
  );
