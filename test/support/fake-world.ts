import { FakeMailgun } from './fake-mailgun.server';
import { FakeSendGrid } from './fake-sendgrid.server';
import { ThrowawayRedis } from './redis';
import { TestApp } from './test-app';

/**
 * Everything outside mailroute that an e2e test with real providers needs: a throwaway Redis and the
 * fake SendGrid and Mailgun, with the environment that points mailroute at them.
 */
export class FakeWorld {
  private constructor(
    readonly redis: ThrowawayRedis,
    readonly sendgrid: FakeSendGrid,
    readonly mailgun: FakeMailgun,
  ) {}

  static async start(): Promise<FakeWorld> {
    const [redis, sendgrid, mailgun] = await Promise.all([ThrowawayRedis.start(), FakeSendGrid.start(), FakeMailgun.start()]);
    return new FakeWorld(redis, sendgrid, mailgun);
  }

  /** A fake world and the app sending through it, with `env` on top of the world's. */
  static async withApp(env: Record<string, string> = {}): Promise<{ world: FakeWorld; app: TestApp }> {
    const world = await FakeWorld.start();
    const app = await TestApp.start({ redisUrl: world.redis.url, env: { ...world.env, ...env } });
    return { world, app };
  }

  /** MAIL_PROVIDERS=sendgrid,mailgun, with both pointed at their fakes. */
  get env(): Record<string, string> {
    return fakeProvidersEnv(this.sendgrid, this.mailgun);
  }

  /** Forgets what the fakes received and were told, and empties Redis. */
  async reset(): Promise<void> {
    this.sendgrid.reset();
    this.mailgun.reset();
    await this.redis.flush();
  }

  async stop(): Promise<void> {
    await Promise.all([this.redis.stop(), this.sendgrid.close(), this.mailgun.close()]);
  }
}

/** MAIL_PROVIDERS=sendgrid,mailgun, with both pointed at these fakes. */
export function fakeProvidersEnv(sendgrid: FakeSendGrid, mailgun: FakeMailgun): Record<string, string> {
  return {
    MAIL_PROVIDERS: 'sendgrid,mailgun',
    SENDGRID_API_KEY: sendgrid.apiKey,
    SENDGRID_API_URL: sendgrid.url,
    MAILGUN_API_KEY: mailgun.apiKey,
    MAILGUN_DOMAIN: mailgun.domain,
    MAILGUN_API_URL: mailgun.url,
  };
}
