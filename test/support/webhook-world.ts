import { ThrowawayRedis } from './redis';
import { TestApp } from './test-app';
import { WebhookReceiver } from './webhook-receiver';
import { newWebhookSecret } from './webhook-secret';

/** The worlds' secret is what operators configure: one that `npm run webhook:secret` printed. */
export const WEBHOOK_SECRET = newWebhookSecret();

export interface WebhookWorld {
  redis: ThrowawayRedis;
  receiver: WebhookReceiver;
  app: TestApp;
}

/** A throwaway Redis, a customer's webhook receiver, and the app sending its events there (`env` on top). */
export async function startWebhookWorld(env: Record<string, string> = {}): Promise<WebhookWorld> {
  const [redis, receiver] = await Promise.all([ThrowawayRedis.start(), WebhookReceiver.start()]);
  const app = await TestApp.start({
    redisUrl: redis.url,
    env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET, ...env },
  });
  return { redis, receiver, app };
}

/** Stops what startWebhookWorld started, as far as it got. */
export async function stopWebhookWorld({ app, redis, receiver }: Partial<WebhookWorld>): Promise<void> {
  await app?.close();
  await Promise.all([redis?.stop(), receiver?.close()]);
}
