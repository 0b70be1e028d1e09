import { Module } from '@nestjs/common';
import { ADAPTER_PROVIDERS, EMAIL_PROVIDERS } from './provider.catalog';

export { EmailProvider, ProviderHealth, SendResult } from './email-provider';
export { Attachment, EmailAddress, OutgoingEmail } from './email-message';
export { PermanentProviderError, TransientProviderError, ProviderError, asProviderError } from './provider.errors';
export { EMAIL_PROVIDERS, EmailProviders } from './provider.catalog';

/**
 * The delivery adapters, one file each. Consumers inject the `EmailProvider` token, which resolves to the
 * configured adapters in priority order (`@Inject(EmailProvider) providers: EmailProviders`), and never
 * name an adapter.
 */
@Module({
  providers: [...ADAPTER_PROVIDERS, EMAIL_PROVIDERS],
  exports: [EMAIL_PROVIDERS],
})
export class ProvidersModule {}
