import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { createProviders } from './provider.catalog';
import { ProviderRegistry } from './provider-registry';

export { EmailProvider, ProviderHealth, SendResult } from './email-provider';
export { Attachment, EmailAddress, OutgoingEmail } from './email-message';
export { PermanentProviderError, TransientProviderError, ProviderError, asProviderError } from './provider.errors';
export { ProviderRegistry } from './provider-registry';

@Module({
  providers: [
    {
      provide: ProviderRegistry,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new ProviderRegistry(createProviders(config)),
    },
  ],
  exports: [ProviderRegistry],
})
export class ProvidersModule {}
