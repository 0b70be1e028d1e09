/** Every route that needs Redis, and what its 503 says while Redis cannot be reached: what did not happen. */
const MESSAGES: Record<string, string> = {
  'POST /v1/emails': 'The message could not be stored, so it was not accepted; try again.',
  'POST /v1/emails/batch': 'The message could not be stored, so it was not accepted; try again.',
  'GET /v1/emails': 'Messages cannot be listed while their store (Redis) is unreachable; try again.',
  'GET /v1/emails/:id': 'The message cannot be read while its store (Redis) is unreachable; try again.',
  'GET /v1/emails/:id/events': "The message's events cannot be read while their store (Redis) is unreachable; try again.",
  'POST /v1/emails/:id/cancel': 'The message was not cancelled: its store (Redis) is unreachable; try again.',
  'GET /v1/providers': "The providers' states cannot be read while Redis is unreachable; try again.",
  'POST /v1/providers/:name/disable': 'The provider was not disabled: Redis, which shares the switch, is unreachable; try again.',
  'POST /v1/providers/:name/enable': 'The provider was not enabled: Redis, which shares the switch, is unreachable; try again.',
  'GET /v1/suppressions': 'The suppression list cannot be read while Redis is unreachable; try again.',
  'DELETE /v1/suppressions/:email': 'The address was not removed: the suppression list (Redis) is unreachable; try again.',
  'GET /v1/webhooks/deliveries': 'Webhook deliveries cannot be read while Redis is unreachable; try again.',
  'POST /v1/inbound/sendgrid': 'The events were not recorded: Redis is unreachable; send them again.',
  'POST /v1/inbound/mailgun': 'The event was not recorded: Redis is unreachable; send it again.',
};

const READ = 'This cannot be read while Redis is unreachable; try again.';
const WRITE = 'Nothing was changed: Redis is unreachable; try again.';

/** What a request's 503 says when Redis cannot be reached, by the route it matched (`/v1/emails/:id`). */
export function outageMessage(method: string, route: string | undefined): string {
  return (route && MESSAGES[`${method} ${route}`]) ?? (method === 'GET' || method === 'HEAD' ? READ : WRITE);
}

/** Whether the route is one of those that need Redis, whose 503 is always about Redis. */
export const isRedisRoute = (method: string, route: string | undefined) =>
  route !== undefined && `${method} ${route}` in MESSAGES;
