import { Test } from '@nestjs/testing';
import { ConfigurationError, loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { EmailProvider } from './email-provider';
import { EmailProviders } from './provider.catalog';
import { ProvidersModule } from './providers.module';
import { SmtpProvider } from './smtp.provider';

const credentials = {
  SENDGRID_API_KEY: 'SG.key',
  MAILGUN_API_KEY: 'key-mg',
  MAILGUN_DOMAIN: 'mg.example.com',
  SMTP_URL: 'smtp://user:pass@127.0.0.1:2525',
};
/** The names behind the `EmailProvider` token, as DI resolves it for `env`. */
async function names(env: Record<string, string>): Promise<string[]> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadConfig(env)), ProvidersModule],
  }).compile();
  const providers = moduleRef.get<EmailProviders>(EmailProvider);
  await moduleRef.close();
  return providers.map((provider) => provider.name);
}

describe('the EmailProvider token', () => {
  it('uses the outbox when no provider has credentials', async () => {
    expect(await names({})).toEqual(['outbox']);
  });

  it('uses every provider with credentials, in the default order, when MAIL_PROVIDERS is unset', async () => {
    expect(await names(credentials)).toEqual(['sendgrid', 'mailgun', 'smtp']);
    expect(await names({ SMTP_URL: credentials.SMTP_URL })).toEqual(['smtp']);
  });

  it('follows MAIL_PROVIDERS order', async () => {
    expect(await names({ ...credentials, MAIL_PROVIDERS: 'smtp,outbox,sendgrid' })).toEqual(['smtp', 'outbox', 'sendgrid']);
  });

  it('stops the start when MAIL_PROVIDERS names a provider without its credentials', async () => {
    await expect(names({ MAIL_PROVIDERS: 'sendgrid' })).rejects.toThrow(
      new ConfigurationError('MAIL_PROVIDERS names sendgrid, but SENDGRID_API_KEY is not set'),
    );
    await expect(names({ MAIL_PROVIDERS: 'mailgun' })).rejects.toThrow(/MAILGUN_API_KEY and MAILGUN_DOMAIN is not set/);
  });

  it('stops the start for an unknown provider, listing the known ones', async () => {
    await expect(names({ MAIL_PROVIDERS: 'outbox,postmark' })).rejects.toThrow(
      new ConfigurationError(
        'MAIL_PROVIDERS names an unknown provider "postmark"; known providers: sendgrid, mailgun, smtp, outbox',
      ),
    );
  });

  it('stops the start for a provider named twice', async () => {
    await expect(names({ MAIL_PROVIDERS: 'outbox,outbox' })).rejects.toThrow(/more than once/);
  });

  it('needs MAILGUN_DOMAIN with MAILGUN_API_KEY', () => {
    expect(() => loadConfig({ MAILGUN_API_KEY: 'key-mg' })).toThrow(/MAILGUN_DOMAIN is required/);
  });

  it('is built by DI, which also shuts the adapters down (the SMTP pool is closed)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadConfig({ SMTP_URL: credentials.SMTP_URL })), ProvidersModule],
    }).compile();
    const [smtp] = moduleRef.get<EmailProviders>(EmailProvider);
    expect(smtp).toBeInstanceOf(SmtpProvider);
    const shutdown = jest.spyOn(smtp as SmtpProvider, 'onApplicationShutdown');
    await moduleRef.close();
    expect(shutdown).toHaveBeenCalledTimes(1);
  });
});
