import { AppConfig, ConfigurationError } from '../config/app-config';
import { EmailProvider } from './email-provider';
import { OutboxProvider } from './outbox.provider';

type ProviderFactory = (config: AppConfig) => EmailProvider;

/** Every adapter mailroute ships, by the name MAIL_PROVIDERS uses for it. */
const catalog: Record<string, ProviderFactory> = {
  outbox: (config) => new OutboxProvider(config.mail.outboxDir),
};

/** Builds the adapters MAIL_PROVIDERS names, in its order; an unknown or repeated name stops the start. */
export function createProviders(config: AppConfig): EmailProvider[] {
  const names = config.mail.providers;
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) {
    throw new ConfigurationError(`MAIL_PROVIDERS names ${repeated.join(', ')} more than once`);
  }
  return names.map((name) => {
    const factory = catalog[name];
    if (!factory) {
      throw new ConfigurationError(
        `MAIL_PROVIDERS names an unknown provider "${name}"; known providers: ${Object.keys(catalog).join(', ')}`,
      );
    }
    return factory(config);
  });
}
