import { FactoryProvider, Type } from '@nestjs/common';
import { AppConfig, ConfigurationError } from '../config/config.module';
import { EmailProvider } from './email-provider';
import { MailgunProvider } from './mailgun.provider';
import { OutboxProvider } from './outbox.provider';
import { SendGridProvider } from './sendgrid.provider';
import { SmtpProvider } from './smtp.provider';

/** What the `EmailProvider` token resolves to: the configured adapters, tried first to last. */
export type EmailProviders = readonly EmailProvider[];

interface Adapter {
  /** The name MAIL_PROVIDERS uses for it. */
  name: string;
  type: Type<EmailProvider>;
  /** The variables that enable the adapter, named in the error when they are missing. */
  needs: string;
  /** Builds the adapter from its settings, or null when they are not configured. */
  build: (config: AppConfig) => EmailProvider | null;
}

/** Every adapter mailroute ships, in default priority order. */
const ADAPTERS: Adapter[] = [
  {
    name: 'sendgrid',
    type: SendGridProvider,
    needs: 'SENDGRID_API_KEY',
    build: ({ providers }) => (providers.sendgrid ? new SendGridProvider(providers.sendgrid, providers) : null),
  },
  {
    name: 'mailgun',
    type: MailgunProvider,
    needs: 'MAILGUN_API_KEY and MAILGUN_DOMAIN',
    build: ({ providers }) => (providers.mailgun ? new MailgunProvider(providers.mailgun, providers) : null),
  },
  {
    name: 'smtp',
    type: SmtpProvider,
    needs: 'SMTP_URL',
    build: ({ providers }) => (providers.smtp ? new SmtpProvider(providers.smtp, providers) : null),
  },
  {
    name: 'outbox',
    type: OutboxProvider,
    needs: 'nothing',
    build: ({ providers }) => new OutboxProvider(providers.outbox.dir),
  },
];

/**
 * Each adapter is a provider of its own, built by DI from the configuration where its settings are given
 * (null otherwise), so that Nest also owns its shutdown.
 */
export const ADAPTER_PROVIDERS: FactoryProvider[] = ADAPTERS.map(({ type, build }) => ({
  provide: type,
  inject: [AppConfig],
  useFactory: build,
}));

/**
 * The `EmailProvider` token: the adapters in priority order, MAIL_PROVIDERS when set, otherwise every
 * provider whose credentials are set (the outbox when none are). A name that is unknown, repeated, or
 * lacks its credentials stops the start.
 */
export const EMAIL_PROVIDERS = {
  provide: EmailProvider,
  inject: [AppConfig, ...ADAPTERS.map(({ type }) => type)],
  useFactory: (config: AppConfig, ...built: (EmailProvider | null)[]): EmailProviders => inPriorityOrder(config, built),
} satisfies FactoryProvider<EmailProviders>;

function inPriorityOrder(config: AppConfig, built: (EmailProvider | null)[]): EmailProvider[] {
  const configured = new Map(ADAPTERS.map(({ name }, index) => [name, built[index]]));
  const names = config.providers.order ?? defaultOrder(configured);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) {
    throw new ConfigurationError(`MAIL_PROVIDERS names ${repeated.join(', ')} more than once`);
  }
  return names.map((name) => {
    const adapter = ADAPTERS.find((candidate) => candidate.name === name);
    if (!adapter) {
      throw new ConfigurationError(
        `MAIL_PROVIDERS names an unknown provider "${name}"; known providers: ${ADAPTERS.map(({ name }) => name).join(', ')}`,
      );
    }
    const provider = configured.get(name);
    if (!provider) throw new ConfigurationError(`MAIL_PROVIDERS names ${name}, but ${adapter.needs} is not set`);
    return provider;
  });
}

function defaultOrder(configured: Map<string, EmailProvider | null>): string[] {
  const real = [...configured].filter(([name, provider]) => name !== 'outbox' && provider).map(([name]) => name);
  return real.length > 0 ? real : ['outbox'];
}
