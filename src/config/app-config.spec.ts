import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withCwd } from '../../test/support/processes';
import { newWebhookSecret } from '../../test/support/webhook-secret';
import { ConfigurationError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('runs on defaults with an empty environment: embedded Redis, outbox provider', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({
      port: 3000,
      host: '127.0.0.1',
      bodyLimit: '15mb',
      docsEnabled: true,
      consoleEnabled: true,
      inFlightLimitBytes: 32 * 1024 * 1024,
      server: { requestTimeoutMs: 30000, keepAliveTimeoutMs: 65000, maxConnections: 1000 },
    });
    expect(config.redis.url).toBeUndefined();
    expect(config.database).toEqual({
      url: undefined,
      dataDir: expect.stringMatching(/data\/postgres$/),
      fallbackDataDir: expect.stringMatching(/^\/var\/lib\/mailroute\/[0-9a-f]{12}\/postgres$/),
      tlsCa: undefined,
    });
    expect(config.mail).toMatchObject({ maxAttempts: 5, retryBaseMs: 1000, retentionDays: 30, bodyRetentionDays: 7, bodyMaxBytes: 5 * 1024 * 1024 });
    expect(config.providers).toMatchObject({
      order: undefined,
      outbox: { dir: expect.stringMatching(/data\/outbox$/) },
      sendgrid: undefined,
      mailgun: undefined,
      smtp: undefined,
    });
  });

  it('keeps to a POSTGRES_DATA_DIR that was chosen, with no fallback, and gives each checkout its own fallback', () => {
    expect(loadConfig({ POSTGRES_DATA_DIR: '/srv/pg' }).database).toMatchObject({ dataDir: '/srv/pg', fallbackDataDir: undefined });
    const here = loadConfig({}).database.fallbackDataDir;
    const elsewhere = withCwd(tmpdir(), () => loadConfig({}).database.fallbackDataDir);
    expect(elsewhere).not.toBe(here);
  });

  it('reads MAIL_PROCESSES as a count, auto as one per core, and refuses anything else naming it', () => {
    expect(loadConfig({}).processes).toBe(1);
    expect(loadConfig({ MAIL_PROCESSES: '3' }).processes).toBe(3);
    expect(loadConfig({ MAIL_PROCESSES: 'auto' }).processes).toBe(availableParallelism());
    for (const bad of ['0', '-1', 'two', '1.5']) expect(() => loadConfig({ MAIL_PROCESSES: bad })).toThrow(/MAIL_PROCESSES must be auto or a whole number/);
  });

  it('reads and converts every variable it is given', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      API_KEYS: `billing:send:${'a'.repeat(64)}`,
      REDIS_URL: 'redis://redis:6379/2',
      DATABASE_URL: 'postgres://mailroute@db:5432/mailroute',
      MAIL_BODY_RETENTION_DAYS: '0',
      MAIL_PROVIDERS: 'outbox , other',
      MAIL_MAX_ATTEMPTS: '3',
      DOCS_ENABLED: 'false',
      MAIL_BODY_MAX_BYTES: '1000',
    });
    expect(config.http).toMatchObject({ port: 8080, host: '0.0.0.0', docsEnabled: false });
    expect(config.redis.url).toBe('redis://redis:6379/2');
    expect(config.database.url).toBe('postgres://mailroute@db:5432/mailroute');
    expect(config.mail.bodyRetentionDays).toBe(0);
    expect(config.providers.order).toEqual(['outbox', 'other']);
    expect(config.mail.maxAttempts).toBe(3);
    expect(config.mail.bodyMaxBytes).toBe(1000);
  });

  it.each([
    ['PORT', 'eighty', /PORT must be an integer/],
    ['PORT', '70000', /PORT must not be greater than 65535/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    ['DATABASE_URL', 'mysql://db/mailroute', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['DATABASE_TLS_CA_FILE', '/nonexistent/ca.pem', /DATABASE_TLS_CA_FILE cannot be read: ENOENT/],
    ['MAIL_BODY_RETENTION_DAYS', '-1', /MAIL_BODY_RETENTION_DAYS must be a whole number of days from 0 to 3650/],
    ['MAIL_BODY_RETENTION_DAYS', 'week', /MAIL_BODY_RETENTION_DAYS must be a whole number of days from 0 to 3650/],
    ['MAIL_PROVIDERS', 'outbox;smtp', /MAIL_PROVIDERS must be a comma-separated list/],
    ['MAIL_MAX_ATTEMPTS', '0', /MAIL_MAX_ATTEMPTS must not be less than 1/],
    ['DOCS_ENABLED', 'maybe', /DOCS_ENABLED must be a boolean/],
    ['HTTP_BODY_LIMIT', 'big', /HTTP_BODY_LIMIT must be a size/],
    ['MAIL_BODY_MAX_BYTES', '0', /MAIL_BODY_MAX_BYTES must not be less than 1/],
    ['MAIL_BODY_MAX_BYTES', '5mb', /MAIL_BODY_MAX_BYTES must be an integer/],
    ['HTTP_IN_FLIGHT_LIMIT', 'lots', /HTTP_IN_FLIGHT_LIMIT must be a size/],
    ['HTTP_IN_FLIGHT_LIMIT', '10mb', /HTTP_IN_FLIGHT_LIMIT must be at least HTTP_BODY_LIMIT/],
    ['HTTP_REQUEST_TIMEOUT_MS', '50', /HTTP_REQUEST_TIMEOUT_MS must not be less than 100/],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', 'long', /HTTP_KEEP_ALIVE_TIMEOUT_MS must be an integer/],
    ['HTTP_MAX_CONNECTIONS', '0', /HTTP_MAX_CONNECTIONS must not be less than 1/],
  ])('stops with a message naming %s when it is %j', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigurationError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reads the HTTP server limits, sizes in powers of 1024 as body-parser reads them', () => {
    const config = loadConfig({
      HTTP_BODY_LIMIT: '512kb',
      HTTP_IN_FLIGHT_LIMIT: '2MB',
      HTTP_REQUEST_TIMEOUT_MS: '5000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '620000',
      HTTP_MAX_CONNECTIONS: '50',
    });
    expect(config.http).toMatchObject({
      inFlightLimitBytes: 2 * 1024 * 1024,
      server: { requestTimeoutMs: 5000, keepAliveTimeoutMs: 620000, maxConnections: 50 },
    });
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', MAIL_MAX_ATTEMPTS: 'y' })).toThrow(/PORT[\s\S]*MAIL_MAX_ATTEMPTS/);
  });

  describe('security', () => {
    const hash = 'ab'.repeat(32);

    it('refuses to listen beyond loopback without API keys', () => {
      expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/HOST is 0\.0\.0\.0 but API_KEYS is empty/);
      expect(() => loadConfig({ HOST: '::1' })).not.toThrow();
    });

    it('reads API keys with their scope and optional senders', () => {
      const config = loadConfig({ API_KEYS: `billing:send:${hash}, ops:admin:${hash}:me@example.com|@example.org` });
      expect(config.security.apiKeys).toEqual([
        { name: 'billing', scope: 'send', sha256: hash, allowedFrom: undefined },
        { name: 'ops', scope: 'admin', sha256: hash, allowedFrom: ['me@example.com', '@example.org'] },
      ]);
    });

    it.each([
      ['a raw key instead of its hash', 'billing:send:mr_secret'],
      ['an unknown scope', `billing:root:${hash}`],
    ])('names API_KEYS for %s, without repeating the value', (_case, value) => {
      expect(() => loadConfig({ API_KEYS: value })).toThrow(/API_KEYS must be/);
      expect(() => loadConfig({ API_KEYS: value })).not.toThrow(/mr_secret/);
    });

    describe('WEBHOOK_SECRET', () => {
      const WEBHOOK_URL = 'https://hooks.example.com/mailroute';
      const whsec = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;
      const signingKeyOf = (secret: string) => Buffer.from(loadConfig({ WEBHOOK_URL, WEBHOOK_SECRET: secret }).webhooks!.signingKey);

      it('takes a whsec_ secret as the base64 of its key, from 24 to 64 bytes', () => {
        expect(signingKeyOf(whsec(24))).toEqual(Buffer.alloc(24, 7));
        expect(signingKeyOf(whsec(64))).toEqual(Buffer.alloc(64, 7));
      });

      it('takes a plain secret of 16+ characters as its UTF-8 bytes, keeping it as given for the deprecated header', () => {
        const plain = 'plain-sécret-0123456789';
        expect(signingKeyOf(plain)).toEqual(Buffer.from(plain, 'utf8'));
        expect(loadConfig({ WEBHOOK_URL, WEBHOOK_SECRET: plain }).webhooks!.secret).toBe(plain);
      });

      it.each([
        ['a plain secret under 16 characters', 'fifteen-chars-x', /WEBHOOK_SECRET must be at least 16 characters, or a whsec_ secret/],
        ['a whsec_ key of 23 bytes', whsec(23), /WEBHOOK_SECRET is a whsec_ key of 23 bytes; Standard Webhooks keys are 24 to 64 bytes/],
        ['a whsec_ key of 65 bytes', whsec(65), /WEBHOOK_SECRET is a whsec_ key of 65 bytes/],
        ['whsec_ and base64url', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`, /WEBHOOK_SECRET starts with whsec_ but the rest is not padded base64/],
        ['whsec_ and unpadded base64', whsec(32).replace(/=+$/, ''), /WEBHOOK_SECRET starts with whsec_ but the rest is not padded base64/],
        ['whsec_ and not base64 at all', 'whsec_test-0123456789abcdef', /WEBHOOK_SECRET starts with whsec_ but the rest is not padded base64/],
      ])('stops naming WEBHOOK_SECRET for %s, without repeating the value', (_case, secret, message) => {
        const refusal = () => loadConfig({ WEBHOOK_URL, WEBHOOK_SECRET: secret });
        expect(refusal).toThrow(ConfigurationError);
        expect(refusal).toThrow(message);
        expect(refusal).not.toThrow(secret.slice('whsec_'.length));
      });

      it('accepts what `npm run webhook:secret` prints', () => {
        const printed = newWebhookSecret();
        expect(printed).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
        expect(signingKeyOf(printed)).toHaveLength(32);
      });
    });

    it('reads secrets from *_FILE variables', () => {
      const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
      writeFileSync(join(dir, 'sendgrid'), 'SG.from-a-file\n');
      const config = loadConfig({ SENDGRID_API_KEY_FILE: join(dir, 'sendgrid') });
      expect(config.providers.sendgrid?.apiKey).toBe('SG.from-a-file');
      writeFileSync(join(dir, 'database'), 'postgres://mailroute:pw@db/mailroute\n');
      expect(loadConfig({ DATABASE_URL_FILE: join(dir, 'database') }).database.url).toBe('postgres://mailroute:pw@db/mailroute');
      expect(() => loadConfig({ SENDGRID_API_KEY: 'x', SENDGRID_API_KEY_FILE: join(dir, 'sendgrid') })).toThrow(/not both/);
      expect(() => loadConfig({ SMTP_URL_FILE: join(dir, 'missing') })).toThrow('SMTP_URL_FILE cannot be read: ENOENT');
      rmSync(dir, { recursive: true });
    });
  });
});
