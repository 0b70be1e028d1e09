import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A new WEBHOOK_SECRET from the script behind `npm run webhook:secret`, as an operator would get one. */
export function newWebhookSecret(): string {
  return execFileSync(process.execPath, [join(__dirname, '../../scripts/new-webhook-secret.js')], { encoding: 'utf8' }).trim();
}
