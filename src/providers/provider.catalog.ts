import { AppConfig, ConfigurationError } from '../config/app-config';
import { EmailProvider } from './email-provider';
import { MailgunProvider } from './mailgun.provider';
import { OutboxProvider } from './outbox.provider';
import { SendGridProvider } from './sendgrid.provider';
import { SmtpProvider } from './smtp.provider';

interface CatalogEntry {
  /** The variables that enable the adapter, named in the error when they are missing. */
  needs: string;
  isConfigured(config: AppConfig): boolean;
  create(config: AppConfig): EmailProvider;
}

/** Every adapter mailroute ships, by the name MAIL_PROVIDERS uses for it, in default priority order. */
const catalog: Record<string, CatalogEntry> = {
  sendgrid: {
    needs: 'SENDGRID_API_KEY',
    isConfigured: (config) => config.providers.sendgrid !== undefined,
    create: (config) => new SendGridProvider(config.providers.sendgrid!, config.providers),
  },
  mailgun: {
    needs: 'MAILGUN_API_KEY and MAILGUN_DOMAIN',
    isConfigured: (config) => config.providers.mailgun !== undefined,
    create: (config) => new MailgunProvider(config.providers.mailgun!, config.providers),
  },
  smtp: {
    needs: 'SMTP_URL',
    isConfigured: (config) => config.providers.smtp !== undefined,
    create: (config) => new SmtpProvider(config.providers.smtp!, config.providers),
  },
  outbox: {
    needs: 'nothing',
    isConfigured: () => true,
    create: (config) => new OutboxProvider(config.providers.outbox.dir),
  },
};

/**
 * Builds the adapters in priority order: MAIL_PROVIDERS when set, otherwise every provider whose
 * credentials are set (the outbox when none are). A name that is unknown, repeated, or lacks its
 * credentials stops the start.
 */
export function createProviders(config: AppConfig): EmailProvider[] {
  const names = config.providers.order ?? defaultOrder(config);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) {
    throw new ConfigurationError(`MAIL_PROVIDERS names ${repeated.join(', ')} more than once`);
  }
  return names.map((name) => {
    const entry = catalog[name];
    if (!entry) {
      throw new ConfigurationError(
        `MAIL_PROVIDERS names an unknown provider "${name}"; known providers: ${Object.keys(catalog).join(', ')}`,
      );
    }
    if (!entry.isConfigured(config)) {
      throw new ConfigurationError(`MAIL_PROVIDERS names ${name}, but ${entry.needs} is not set`);
    }
    return entry.create(config);
  });
}

function defaultOrder(config: AppConfig): string[] {
  const configured = Object.keys(catalog).filter(
    (name) => name !== 'outbox' && catalog[name].isConfigured(config),
  );
  return configured.length > 0 ? configured : ['outbox'];
}
