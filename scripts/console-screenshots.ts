/**
 * The README's pictures of the console, taken from a running mailroute on this machine:
 *
 *   npm start                      # in one terminal: a mailroute without API_KEYS on 127.0.0.1:3000
 *   npm run docs:screenshots       # in another: sends a few messages, then photographs the console
 *
 * It sends through the public API as any client would, waits for what it sent to be delivered (the
 * outbox provider, unless MAIL_PROVIDERS says otherwise), and writes docs/images/console-*.png at a
 * laptop's 1366×768. An address other than 127.0.0.1:3000 may be given as the first argument; it must be
 * on this machine.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type SendEmailRequest, createMailrouteClient } from '../clients/typescript/src';
import { launchChromium } from '../test/support/browser';
import { pollUntil } from '../test/support/poll';

const IMAGES = join(__dirname, '..', 'docs', 'images');
const VIEWPORT = { width: 1366, height: 768 };
const WAIT_FOR_DELIVERY_MS = 30_000;

const shop = 'Acme Shop <orders@acme.example>';
const topics: (Pick<SendEmailRequest, 'to' | 'tags' | 'metadata'> & { subject: string })[] = [
  { to: 'ann@example.com', subject: 'Your order #1042 has shipped', tags: ['order-shipped'], metadata: { orderId: '1042' } },
  { to: 'bob@example.com', subject: 'Reset your password', tags: ['password-reset'] },
  { to: 'carol@example.com', subject: 'Your receipt for October', tags: ['receipt'], metadata: { invoice: 'INV-2026-10' } },
  { to: 'dan@example.com', subject: 'Welcome to Acme', tags: ['welcome'] },
  { to: 'erin@example.com', subject: 'Your order #1043 has shipped', tags: ['order-shipped'], metadata: { orderId: '1043' } },
];
const messages: SendEmailRequest[] = topics.map((message) => ({
  ...message,
  from: shop,
  text: `Hello, this is about: ${message.subject}.`,
  html: `<h1 style="font-family: sans-serif; color: #0550ae">Acme</h1><p style="font-family: sans-serif">Hello, this is about: <b>${message.subject}</b>.</p>`,
}));

function loopbackOnly(address: string): string {
  const url = new URL(address);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`${address} is not on this machine`);
  return url.origin;
}

/** Sends the messages and one scheduled for tomorrow; answers the first one's id once all due ones are final. */
async function send(origin: string): Promise<string> {
  const client = createMailrouteClient({ baseUrl: origin });
  const ids: string[] = [];
  for (const body of messages) {
    const { data, error } = await client.POST('/v1/emails', { body });
    if (!data) throw new Error(`mailroute refused a message: ${[error?.message].flat().join('; ')} (does it have API_KEYS? this needs one without)`);
    ids.push(data.id);
  }
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  await client.POST('/v1/emails', { body: { ...messages[3], subject: 'Your weekly digest', sendAt: tomorrow } });
  for (const id of ids) {
    await pollUntil(
      () => client.GET('/v1/emails/{id}', { params: { path: { id } } }),
      ({ data }) => data?.status === 'sent' || data?.status === 'failed',
      { timeoutMs: WAIT_FOR_DELIVERY_MS, intervalMs: 200 },
    );
  }
  return ids[0];
}

async function main(): Promise<void> {
  const origin = loopbackOnly(process.argv[2] ?? 'http://127.0.0.1:3000');
  const opened = await send(origin);
  mkdirSync(IMAGES, { recursive: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: 'light' });
    const shoot = async (hash: string, heading: string, file: string, wholePage = false) => {
      await page.setViewportSize(VIEWPORT);
      await page.goto(`${origin}/console/${hash}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.getByText('Loading…').waitFor({ state: 'detached' });
      if (wholePage) {
        await page.frameLocator('iframe.html-body').locator('p').first().waitFor();
        // Chromium leaves a sandboxed frame, drawn by a process of its own, out of a fullPage screenshot:
        // the window is made as tall as the page instead.
        const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
        await page.setViewportSize({ ...VIEWPORT, height });
      }
      await page.screenshot({ path: join(IMAGES, file) });
      console.log(`docs/images/${file}`);
    };
    await shoot('#/', 'Messages', 'console-messages.png');
    // The whole page, down to the message's HTML in its frame.
    await shoot(`#/messages/${opened}`, topics[0].subject, 'console-message.png', true);
    await shoot('#/providers', 'Providers', 'console-providers.png');
  } finally {
    await browser.close();
  }
}

main().catch((error: Error) => {
  console.error(`no screenshots: ${error.message}`);
  process.exit(1);
});
