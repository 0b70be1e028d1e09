import { SetMetadata } from '@nestjs/common';

export const PROVIDER_WEBHOOK = 'mailroute:provider-webhook';

/**
 * A public route that providers call with their own signatures. It has a rate limit of its own
 * (INBOUND_RATE_LIMIT, per provider and client IP), apart from API callers': providers deliver events
 * in bursts and send again whatever is refused.
 */
export const ProviderWebhook = () => SetMetadata(PROVIDER_WEBHOOK, true);
