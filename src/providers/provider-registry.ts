import { OnApplicationShutdown } from '@nestjs/common';
import { EmailProvider } from './email-provider';

/**
 * The configured adapters in priority order (the order of MAIL_PROVIDERS): what the rest of the
 * application injects to send, without knowing which adapters exist.
 */
export class ProviderRegistry implements OnApplicationShutdown {
  constructor(readonly ordered: readonly EmailProvider[]) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.ordered.map((provider) => provider.close()));
  }

  get names(): string[] {
    return this.ordered.map((provider) => provider.name);
  }
}
