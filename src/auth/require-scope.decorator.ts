import { SetMetadata } from '@nestjs/common';
import { Scope } from './principal';

export const REQUIRED_SCOPE = 'mailroute:required-scope';

/** The scope a route needs beyond the `send` every /v1 route needs. */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** A /v1 route that third parties call with their own signatures instead of an API key. */
export const NoApiKey = () => SetMetadata(REQUIRED_SCOPE, 'none');
