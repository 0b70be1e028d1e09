import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Scope } from './principal';

export const REQUIRED_SCOPE = 'mailroute:required-scope';

/** The scope a route needs beyond the `send` every route that is not public needs. */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** An operator-only controller: needs the admin scope, and says so in the API docs. */
export const AdminOnly = () =>
  applyDecorators(
    RequireScope('admin'),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No API key, or an unknown one.' }),
    ApiForbiddenResponse({ description: 'The API key does not have the admin scope.' }),
  );
