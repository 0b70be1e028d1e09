import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const IS_PUBLIC = 'mailroute:public';

/**
 * A route that needs no API key: probes, the metrics scrape, and provider webhooks that carry their own
 * signatures. Every other route needs a key, whatever its path. Its operations in the API document need
 * none either (an empty requirement, written there as `security: []`).
 */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));
