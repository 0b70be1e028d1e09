import { ConfigurationError, loadConfig } from '../config/app-config';
import { createProviders } from './provider.catalog';

const credentials = {
  SENDGRID_API_KEY: 'SG.key',
  MAILGUN_API_KEY: 'key-mg',
  MAILGUN_DOMAIN: 'mg.example.com',
  SMTP_URL: 'smtp://user:pass@127.0.0.1:2525',
};
const names = (env: Record<string, string>) => createProviders(loadConfig(env)).map((provider) => provider.name);

describe('createProviders', () => {
  it('uses the outbox when no provider has credentials', () => {
    expect(names({})).toEqual(['outbox']);
  });

  it('uses every provider with credentials, in the default order, when MAIL_PROVIDERS is unset', () => {
    expect(names(credentials)).toEqual(['sendgrid', 'mailgun', 'smtp']);
    expect(names({ SMTP_URL: credentials.SMTP_URL })).toEqual(['smtp']);
  });

  it('follows MAIL_PROVIDERS order', () => {
    expect(names({ ...credentials, MAIL_PROVIDERS: 'smtp,outbox,sendgrid' })).toEqual(['smtp', 'outbox', 'sendgrid']);
  });

  it('stops the start when MAIL_PROVIDERS names a provider without its credentials', () => {
    expect(() => names({ MAIL_PROVIDERS: 'sendgrid' })).toThrow(
      new ConfigurationError('MAIL_PROVIDERS names sendgrid, but SENDGRID_API_KEY is not set'),
    );
    expect(() => names({ MAIL_PROVIDERS: 'mailgun' })).toThrow(/MAILGUN_API_KEY and MAILGUN_DOMAIN is not set/);
  });

  it('stops the start for an unknown provider, listing the known ones', () => {
    expect(() => names({ MAIL_PROVIDERS: 'outbox,postmark' })).toThrow(
      new ConfigurationError(
        'MAIL_PROVIDERS names an unknown provider "postmark"; known providers: sendgrid, mailgun, smtp, outbox',
      ),
    );
  });

  it('stops the start for a provider named twice', () => {
    expect(() => names({ MAIL_PROVIDERS: 'outbox,outbox' })).toThrow(/more than once/);
  });

  it('needs MAILGUN_DOMAIN with MAILGUN_API_KEY', () => {
    expect(() => loadConfig({ MAILGUN_API_KEY: 'key-mg' })).toThrow(/MAILGUN_DOMAIN is required/);
  });
});
