import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'mailroute:public';

/**
 * A route that needs no API key: probes, the metrics scrape, and provider webhooks that carry their own
 * signatures. Every other route needs a key, whatever its path.
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);
