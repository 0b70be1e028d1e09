import { ConfigurationError, loadConfig } from '../config/app-config';
import { createProviders } from './provider.catalog';

describe('createProviders', () => {
  it('builds the adapters MAIL_PROVIDERS names, in its order', () => {
    expect(createProviders(loadConfig({ MAIL_PROVIDERS: 'outbox' })).map((p) => p.name)).toEqual(['outbox']);
  });

  it('stops the start for an unknown provider, listing the known ones', () => {
    expect(() => createProviders(loadConfig({ MAIL_PROVIDERS: 'outbox,postmark' }))).toThrow(
      new ConfigurationError('MAIL_PROVIDERS names an unknown provider "postmark"; known providers: outbox'),
    );
  });

  it('stops the start for a provider named twice', () => {
    expect(() => createProviders(loadConfig({ MAIL_PROVIDERS: 'outbox,outbox' }))).toThrow(/more than once/);
  });
});
