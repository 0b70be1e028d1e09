import { randomUUID } from 'node:crypto';
import type { MailrouteClient, operations } from '../clients/typescript/src';
import { ApiContract, ApiDocument, ContractLedger, rawAnswer } from './support/api-contract';
import { operationsOf } from './support/openapi-operations';
import { newApiKey } from './support/api-keys';
import { useContractApp } from './support/contract-app';
import { pollUntil } from './support/poll';
import { ProviderEventSigner } from './support/provider-event-signer';
import { WebhookReceiver } from './support/webhook-receiver';
import { WEBHOOK_SECRET } from './support/webhook-world';

/**
 * "The document must describe what the server does": every operation is driven through the client
 * generated from the API document, and every answer is checked against the document the app serves
 * (support/api-contract.ts): a status it declares, a body valid against that status's schema with no
 * undeclared field, the headers it requires. The last test holds the document to what was seen: a
 * status declared for an operation and never seen fails, so run the file whole.
 */
const ledger = new ContractLedger();
const signer = new ProviderEventSigner();

type OperationId = keyof operations;
type Call = (client: MailrouteClient) => Promise<{ response: Response }>;

const message = { from: 'orders@shop.example', to: 'ann@example.com', subject: 'Your order', text: 'It has shipped.' };
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
/** Past HTTP_BODY_LIMIT's default of 15 MB. */
const OVERSIZED = 'x'.repeat(16 * 1024 * 1024);

const ADMIN_ONLY: OperationId[] = [
  'listSuppressions',
  'removeSuppression',
  'listProviders',
  'listProviderActivity',
  'disableProvider',
  'enableProvider',
  'listWebhookDeliveries',
  'getQueueDepth',
];

/** SendGrid's Signed Event Webhook call of `events`, each with its own sg_event_id, sent as signed. */
function sendGridEvents(client: MailrouteClient, events: object[], { forged = false } = {}) {
  const { body, timestamp, signature } = signer.sendGridCall(events.map((event) => ({ sg_event_id: randomUUID(), ...event })));
  return client.POST('/v1/inbound/sendgrid', {
    body: JSON.parse(body),
    // The exact bytes signed: the signature covers them, not what they parse to.
    bodySerializer: () => body,
    params: {
      header: {
        'X-Twilio-Email-Event-Webhook-Signature': signature,
        'X-Twilio-Email-Event-Webhook-Timestamp': forged ? String(Number(timestamp) + 1) : timestamp,
      },
    },
  });
}

/** A Mailgun webhook call, signed with a fresh token unless given one. */
function mailgunEvent(client: MailrouteClient, eventData: object, signature = signer.mailgunSignature()) {
  // Event data of any shape: a malformed one is what one test sends.
  return client.POST('/v1/inbound/mailgun', { body: { signature, 'event-data': eventData } as never });
}

/** One call of each operation, well formed: what answers 2xx when all is well. */
function wellFormedCalls(id: string): Record<OperationId, Call> {
  const path = { id };
  return {
    sendEmail: (client) => client.POST('/v1/emails', { body: message }),
    listEmails: (client) => client.GET('/v1/emails'),
    sendBatch: (client) => client.POST('/v1/emails/batch', { body: [message, message] }),
    getEmail: (client) => client.GET('/v1/emails/{id}', { params: { path } }),
    listEmailEvents: (client) => client.GET('/v1/emails/{id}/events', { params: { path } }),
    getEmailContent: (client) => client.GET('/v1/emails/{id}/content', { params: { path } }),
    resendEmail: (client) => client.POST('/v1/emails/{id}/resend', { params: { path } }),
    cancelEmail: (client) => client.POST('/v1/emails/{id}/cancel', { params: { path } }),
    listSuppressions: (client) => client.GET('/v1/suppressions'),
    removeSuppression: (client) => client.DELETE('/v1/suppressions/{email}', { params: { path: { email: 'ann@example.com' } } }),
    receiveSendGridEvents: (client) => sendGridEvents(client, [{ event: 'delivered', email: 'ann@example.com', mailroute_id: id }]),
    receiveMailgunEvent: (client) =>
      mailgunEvent(client, { event: 'delivered', recipient: 'ann@example.com', 'user-variables': { 'mailroute-id': id } }),
    listProviders: (client) => client.GET('/v1/providers'),
    listProviderActivity: (client) => client.GET('/v1/providers/activity'),
    disableProvider: (client) => client.POST('/v1/providers/{name}/disable', { params: { path: { name: 'outbox' } } }),
    enableProvider: (client) => client.POST('/v1/providers/{name}/enable', { params: { path: { name: 'outbox' } } }),
    listWebhookDeliveries: (client) => client.GET('/v1/webhooks/deliveries'),
    getQueueDepth: (client) => client.GET('/v1/queue'),
    checkLiveness: (client) => client.GET('/health/live'),
    checkReadiness: (client) => client.GET('/health/ready'),
  };
}

/** The operations of the live document that ask for an API key. */
const keyedOperations = (document: ApiDocument) =>
  operationsOf(document)
    .filter(({ security }) => security === undefined || security.length > 0)
    .map(({ operationId }) => operationId as OperationId);

/** Each of `operations` called once, all at once, with `client`: operationId → status. */
async function statusesOf(client: MailrouteClient, operations: OperationId[], calls: Record<OperationId, Call>) {
  const answers = await Promise.all(operations.map((operation) => calls[operation](client)));
  return Object.fromEntries(operations.map((operation, index) => [operation, answers[index].response.status]));
}

const everyOne = (operations: OperationId[], status: number) => Object.fromEntries(operations.map((operation) => [operation, status]));

const statusOf = async (call: Promise<{ response: Response }>) => (await call).response.status;

describe('the contract check itself (support/api-contract.ts and closed-schemas.ts), on a document of its own', () => {
  const object = (properties: Record<string, object>) => ({ type: 'object', properties });
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const answering = (operationId: string, schema: string, headers = {}) => ({
    get: {
      operationId,
      responses: { 200: { description: 'ok', headers, content: { 'application/json': { schema: ref(schema) } } }, 204: { description: 'none' } },
    },
  });
  const document = {
    openapi: '3.0.3',
    info: { title: 'contract', version: '1' },
    paths: {
      '/base': answering('base', 'Base', { 'Retry-After': { required: true, schema: { type: 'integer' } } }),
      '/derived': answering('derived', 'Derived'),
      '/either': answering('either', 'Either'),
    },
    components: {
      schemas: {
        Base: object({ a: { type: 'string' } }),
        Other: object({ a: { type: 'string' }, z: { type: 'string' } }),
        Derived: { allOf: [ref('Base'), object({ b: { type: 'string' }, nested: object({ c: { type: 'string' } }) })] },
        Either: { oneOf: [ref('Base'), ref('Other')] },
      },
    },
  };
  let contract: ApiContract;
  const JSON_TYPE = { 'content-type': 'application/json' };
  /** The check of one answer to GET `path`, to run in expect(). */
  const answer = (path: string, body: object | string, { status = 200, headers = {} }: { status?: number; headers?: Record<string, string> } = {}) => () =>
    contract.check({ method: 'GET', path, status, headers: new Headers(headers), body: typeof body === 'string' ? body : JSON.stringify(body) });
  const base = (body: object, headers: Record<string, string> = {}) => answer('/base', body, { headers: { ...JSON_TYPE, 'retry-after': '5', ...headers } });

  beforeAll(async () => {
    contract = await ApiContract.for(document, new ContractLedger());
  });

  it('refuses a status the operation does not declare', () => {
    expect(answer('/base', { a: 'x' }, { status: 404, headers: JSON_TYPE })).toThrow(/404 is not a status the document declares for base/);
  });

  it('refuses an answer without a header the document requires there, with an invalid one, or with one it does not declare', () => {
    expect(base({ a: 'x' })).not.toThrow();
    expect(answer('/base', { a: 'x' }, { headers: JSON_TYPE })).toThrow(/no Retry-After header, which the document requires/);
    expect(base({ a: 'x' }, { 'retry-after': 'soon' })).toThrow(/headers\/retry-after must be integer/);
    expect(base({ a: 'x' }, { 'x-debug': '1' })).toThrow(/a x-debug header, which the document does not declare/);
  });

  it('refuses a body where the document declares none, and one of a media type it does not declare', () => {
    expect(answer('/base', '', { status: 204 })).not.toThrow();
    expect(answer('/base', '{}', { status: 204, headers: JSON_TYPE })).toThrow(/a body where the document declares none/);
    expect(base({ a: 'x' }, { 'content-type': 'text/plain' })).toThrow(/Content-Type text\/plain, not one the document declares/);
  });

  it('refuses a property a schema does not name, at any depth', () => {
    expect(base({ a: 'x', b: 'y' })).toThrow(/must NOT have additional properties/);
    expect(answer('/derived', { a: 'x', b: 'y', nested: { c: 'z', d: 'w' } }, { headers: JSON_TYPE })).toThrow(/must NOT have additional properties/);
  });

  it('takes every property of an allOf\'s parts together, and refuses one none of them names', () => {
    expect(answer('/derived', { a: 'x', b: 'y', nested: { c: 'z' } }, { headers: JSON_TYPE })).not.toThrow();
    expect(answer('/derived', { a: 'x', b: 'y', extra: 1 }, { headers: JSON_TYPE })).toThrow(/must be equal to one of the allowed values/);
  });

  it('tells oneOf\'s alternatives apart by their properties', () => {
    expect(answer('/either', { a: 'x', z: 'y' }, { headers: JSON_TYPE })).not.toThrow();
    expect(answer('/either', { a: 'x', q: 'y' }, { headers: JSON_TYPE })).toThrow(/must match exactly one schema in oneOf/);
  });
});

describe('a mailroute with API keys, the providers\' webhooks and WEBHOOK_URL configured', () => {
  const keys = {
    sender: newApiKey('contract-sender', 'send'),
    restricted: newApiKey('contract-restricted', 'send', ['@shop.example']),
    restrictedAdmin: newApiKey('contract-restricted-admin', 'admin', ['@shop.example']),
    reader: newApiKey('contract-reader', 'send'),
    admin: newApiKey('contract-admin', 'admin'),
  };
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    // A first delivery refused, so that the listing shows a failed attempt beside delivered ones.
    receiver.failNext(1);
  });
  afterAll(() => receiver?.close());
  const running = useContractApp(ledger, () => ({
    env: {
      API_KEYS: Object.values(keys).map(({ entry }) => entry).join(','),
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET,
      ...signer.env,
    },
  }));
  const as = (key: keyof typeof keys) => running.client(keys[key].key);

  describe('sending: sendEmail and sendBatch', () => {
    it('accept a message with 202 and its Location, and a batch with 202 and a result per item', async () => {
      const sent = await as('sender').POST('/v1/emails', { body: message });
      expect(sent.response.status).toBe(202);
      expect(sent.response.headers.get('location')).toBe(`/v1/emails/${sent.data!.id}`);
      const batch = await as('sender').POST('/v1/emails/batch', { body: [message, { ...message, to: 'bob@' }] });
      expect(batch.response.status).toBe(202);
      expect(batch.data).toEqual([
        { index: 0, id: expect.any(String), status: 'queued' },
        { index: 1, errors: [expect.stringMatching(/^to has an invalid email address/)] },
      ]);
    });

    it('refuse invalid fields with 400', async () => {
      expect(await statusOf(as('sender').POST('/v1/emails', { body: { ...message, to: 'ann@' } }))).toBe(400);
      expect(await statusOf(as('sender').POST('/v1/emails/batch', { body: [{ ...message, to: 'ann@' }] }))).toBe(400);
      expect(await statusOf(as('sender').POST('/v1/emails', { body: message, params: { header: { 'Idempotency-Key': 'has spaces' } } }))).toBe(400);
    });

    it('refuse a sender the key may not use, and allowSuppressed without the admin scope, with 403', async () => {
      const elsewhere = { ...message, from: 'ceo@elsewhere.example' };
      expect(await statusOf(as('restricted').POST('/v1/emails', { body: elsewhere }))).toBe(403);
      expect(await statusOf(as('sender').POST('/v1/emails', { body: { ...message, allowSuppressed: true } }))).toBe(403);
    });

    it('take such a refusal in a batch as its item\'s, with 202 beside accepted items, or 400 when none is accepted', async () => {
      const elsewhere = { ...message, from: 'ceo@elsewhere.example' };
      const { data } = await as('restricted').POST('/v1/emails/batch', { body: [message, elsewhere] });
      expect(data).toEqual([
        { index: 0, id: expect.any(String), status: 'queued' },
        { index: 1, errors: ['from ceo@elsewhere.example is not an allowed sender for this API key'] },
      ]);
      expect(await statusOf(as('restricted').POST('/v1/emails/batch', { body: [elsewhere] }))).toBe(400);
    });

    it('refuse an Idempotency-Key used before with another body with 409', async () => {
      for (const send of [
        (body: typeof message, key: string) => as('sender').POST('/v1/emails', { body, params: { header: { 'Idempotency-Key': key } } }),
        (body: typeof message, key: string) => as('sender').POST('/v1/emails/batch', { body: [body], params: { header: { 'Idempotency-Key': key } } }),
      ]) {
        const key = randomUUID();
        expect(await statusOf(send(message, key))).toBe(202);
        expect(await statusOf(send({ ...message, subject: 'Another' }, key))).toBe(409);
      }
    });

    it('refuse a body over HTTP_BODY_LIMIT with 413', async () => {
      expect(await statusOf(as('sender').POST('/v1/emails', { body: { ...message, text: OVERSIZED } }))).toBe(413);
      expect(await statusOf(as('sender').POST('/v1/emails/batch', { body: [{ ...message, text: OVERSIZED }] }))).toBe(413);
    });
  });

  describe('reading, cancelling and sending again: getEmail, listEmailEvents, getEmailContent, listEmails, cancelEmail and resendEmail', () => {
    let sentId: string;

    beforeAll(async () => {
      sentId = (await as('reader').POST('/v1/emails', { body: { ...message, tags: ['contract'], metadata: { order: '1042' } } })).data!.id;
      await pollUntil(
        () => as('reader').GET('/v1/emails/{id}', { params: { path: { id: sentId } } }),
        ({ data }) => data?.status === 'sent',
      );
    });

    it('answer a sent message, its events, its bodies and the listing with 200', async () => {
      const path = { id: sentId };
      expect((await as('reader').GET('/v1/emails/{id}', { params: { path } })).data).toMatchObject({ status: 'sent', attempts: [expect.anything()] });
      expect(await statusOf(as('reader').GET('/v1/emails/{id}/events', { params: { path } }))).toBe(200);
      expect((await as('reader').GET('/v1/emails/{id}/content', { params: { path } })).data).toEqual({ text: message.text, html: null });
      // The listing reads the history, which learns of a message moments after it is sent.
      await pollUntil(
        () => as('reader').GET('/v1/emails', { params: { query: { tag: 'contract', limit: 10 } } }),
        ({ data }) => data?.data.some(({ id, status }) => id === sentId && status === 'sent') === true,
      );
    });

    it('cancel a scheduled message with 200, and refuse to cancel it again, or a sent one, with 409', async () => {
      const { data } = await as('reader').POST('/v1/emails', { body: { ...message, sendAt: inAnHour() } });
      const cancel = (id: string) => as('reader').POST('/v1/emails/{id}/cancel', { params: { path: { id } } });
      expect((await cancel(data!.id)).data).toMatchObject({ status: 'cancelled' });
      expect(await statusOf(cancel(data!.id))).toBe(409);
      expect(await statusOf(cancel(sentId))).toBe(409);
    });

    it('send a copy of a message with 202 and its Location, and refuse one with attachments, or a reused Idempotency-Key, with 409', async () => {
      const resend = (id: string, key?: string) =>
        as('reader').POST('/v1/emails/{id}/resend', { params: { path: { id }, ...(key && { header: { 'Idempotency-Key': key } }) } });
      const copy = await resend(sentId);
      expect(copy.response.status).toBe(202);
      expect(copy.response.headers.get('location')).toBe(`/v1/emails/${copy.data!.id}`);
      expect((await as('reader').GET('/v1/emails/{id}', { params: { path: { id: copy.data!.id } } })).data).toMatchObject({ resentFrom: sentId });

      const attachment = { filename: 'a.txt', contentType: 'text/plain', content: Buffer.from('a').toString('base64') };
      const withAttachment = await as('reader').POST('/v1/emails', { body: { ...message, attachments: [attachment] } });
      expect(await statusOf(resend(withAttachment.data!.id))).toBe(409);
      const key = randomUUID();
      expect(await statusOf(resend(sentId, key))).toBe(202);
      expect(await statusOf(resend(copy.data!.id, key))).toBe(409);
    });

    it('refuse to send a copy from a sender the key may not use with 403', async () => {
      const elsewhere = await as('reader').POST('/v1/emails', { body: { ...message, from: 'ceo@elsewhere.example' } });
      const path = { id: elsewhere.data!.id };
      expect(await statusOf(as('restrictedAdmin').POST('/v1/emails/{id}/resend', { params: { path } }))).toBe(403);
    });

    it('answer an unknown id with 404, and another key\'s message too', async () => {
      const unknown = wellFormedCalls(randomUUID());
      const operations: OperationId[] = ['getEmail', 'listEmailEvents', 'getEmailContent', 'cancelEmail', 'resendEmail'];
      expect(await statusesOf(as('reader'), operations, unknown)).toEqual(everyOne(operations, 404));
      expect(await statusesOf(as('sender'), operations, wellFormedCalls(sentId))).toEqual(everyOne(operations, 404));
    });

    it('answer a malformed id, and a limit out of range, with 400', async () => {
      const operations: OperationId[] = ['getEmail', 'listEmailEvents', 'getEmailContent', 'cancelEmail', 'resendEmail'];
      expect(await statusesOf(as('reader'), operations, wellFormedCalls('not-an-id'))).toEqual(everyOne(operations, 400));
      expect(await statusOf(as('reader').GET('/v1/emails', { params: { query: { limit: 101 } } }))).toBe(400);
    });
  });

  describe('suppressions: a complaint, the 422 it causes, and the admin routes', () => {
    const angry = 'angry@example.com';

    it('takes a signed Mailgun complaint (200), then refuses to send to the address, or a copy of a message to it, with 422', async () => {
      const before = await as('sender').POST('/v1/emails', { body: { ...message, to: angry } });
      const complaint = await mailgunEvent(as('sender'), { event: 'complained', recipient: angry });
      expect(complaint.data).toEqual({ recorded: 1 });
      expect(await statusOf(as('sender').POST('/v1/emails', { body: { ...message, to: angry } }))).toBe(422);
      expect(await statusOf(as('sender').POST('/v1/emails/{id}/resend', { params: { path: { id: before.data!.id } } }))).toBe(422);
    });

    it('lists the address to an admin (200), found by any part of it in any case, with how many match', async () => {
      const { data, response } = await as('admin').GET('/v1/suppressions', { params: { query: { search: 'ANGRY@', limit: 1 } } });
      expect(data).toEqual([expect.objectContaining({ email: angry, reason: 'complaint', source: 'mailgun' })]);
      expect(response.headers.get('x-total-count')).toBe('1');
      expect((await as('admin').GET('/v1/suppressions', { params: { query: { search: 'calm@' } } })).data).toEqual([]);
    });

    it('answers a search or a limit out of range with 400', async () => {
      expect(await statusOf(as('admin').GET('/v1/suppressions', { params: { query: { limit: 501 } } }))).toBe(400);
      expect(await statusOf(as('admin').GET('/v1/suppressions', { params: { query: { search: '' } } }))).toBe(400);
    });

    it('removes the address (204), and answers 404 once it is gone', async () => {
      const remove = () => as('admin').DELETE('/v1/suppressions/{email}', { params: { path: { email: angry } } });
      expect(await statusOf(remove())).toBe(204);
      expect(await statusOf(remove())).toBe(404);
    });
  });

  describe('providers: listProviders, listProviderActivity, disableProvider and enableProvider', () => {
    const provider = (action: 'disable' | 'enable', name: string) =>
      as('admin').POST(action === 'disable' ? '/v1/providers/{name}/disable' : '/v1/providers/{name}/enable', { params: { path: { name } } });

    it('list the providers, and switch one off and on again, with 200', async () => {
      expect((await as('admin').GET('/v1/providers')).data).toEqual([expect.objectContaining({ name: 'outbox', enabled: true })]);
      expect((await provider('disable', 'outbox')).data).toMatchObject({ name: 'outbox', enabled: false });
      expect((await provider('enable', 'outbox')).data).toMatchObject({ name: 'outbox', enabled: true });
    });

    it('answer the last hour of each provider\'s calls, a minute each, with 200', async () => {
      const [outbox, ...others] = (await as('admin').GET('/v1/providers/activity')).data!;
      expect([outbox.name, outbox.minutes.length, others]).toEqual(['outbox', 60, []]);
      // The messages sent above.
      expect(outbox.minutes.reduce((sum, { sent }) => sum + sent, 0)).toBeGreaterThan(0);
    });

    it('answer a provider that is not configured with 404', async () => {
      expect(await statusOf(provider('disable', 'postmark'))).toBe(404);
      expect(await statusOf(provider('enable', 'postmark'))).toBe(404);
    });
  });

  describe('webhook deliveries: listWebhookDeliveries', () => {
    it('lists deliveries, a refused attempt among them, with 200', async () => {
      await as('admin').POST('/v1/emails', { body: message });
      await pollUntil(
        () => as('admin').GET('/v1/webhooks/deliveries', { params: { query: { limit: 500 } } }),
        ({ data }) => data?.some(({ attempts }) => attempts.some(({ status }) => status === 503)) === true,
      );
    });

    it('answers a limit out of range with 400', async () => {
      expect(await statusOf(as('admin').GET('/v1/webhooks/deliveries', { params: { query: { limit: 0 } } }))).toBe(400);
    });
  });

  describe('the queue: getQueueDepth', () => {
    it('counts a scheduled message as a delayed mail job, with 200', async () => {
      await as('admin').POST('/v1/emails', { body: { ...message, sendAt: inAnHour() } });
      const { data } = await as('admin').GET('/v1/queue');
      expect(data).toEqual({
        queues: [expect.objectContaining({ name: 'mail', delayed: expect.any(Number) }), expect.objectContaining({ name: 'webhooks' })],
        dashboardPath: '/admin/queues',
      });
      expect(data!.queues[0].delayed).toBeGreaterThanOrEqual(1);
    });
  });

  describe('the providers\' webhooks: receiveSendGridEvents and receiveMailgunEvent', () => {
    const client = () => running.client();
    const delivered = { event: 'delivered', email: 'ann@example.com' };

    it('record signed events with 200', async () => {
      expect((await sendGridEvents(client(), [delivered])).data).toEqual({ recorded: 1 });
      expect(await statusOf(mailgunEvent(client(), { event: 'delivered', recipient: 'ann@example.com' }))).toBe(200);
    });

    it('refuse a signature that does not verify with 403', async () => {
      expect(await statusOf(sendGridEvents(client(), [delivered], { forged: true }))).toBe(403);
      const forged = { ...signer.mailgunSignature(), signature: '0'.repeat(64) };
      expect(await statusOf(mailgunEvent(client(), { event: 'delivered', recipient: 'ann@example.com' }, forged))).toBe(403);
    });

    it('refuse a malformed payload with 400', async () => {
      expect(await statusOf(sendGridEvents(client(), [{ event: 'delivered' }]))).toBe(400);
      expect(await statusOf(mailgunEvent(client(), { event: 'delivered' }))).toBe(400);
    });

    it('refuse a Mailgun token used before with 409', async () => {
      const signature = signer.mailgunSignature();
      const opened = { event: 'opened', recipient: 'ann@example.com' };
      expect(await statusOf(mailgunEvent(client(), opened, signature))).toBe(200);
      expect(await statusOf(mailgunEvent(client(), opened, signature))).toBe(409);
    });

    it('refuse a body over HTTP_BODY_LIMIT with 413', async () => {
      expect(await statusOf(sendGridEvents(client(), [{ ...delivered, reason: OVERSIZED }]))).toBe(413);
      expect(await statusOf(mailgunEvent(client(), { event: 'delivered', recipient: 'ann@example.com', reason: OVERSIZED }))).toBe(413);
    });
  });

  describe('the probes: checkLiveness and checkReadiness', () => {
    it('answer 200 while the process runs and can send', async () => {
      expect(await statusOf(running.client().GET('/health/live'))).toBe(200);
      expect(await statusOf(running.client().GET('/health/ready'))).toBe(200);
    });

    // fetch cannot send a GET with a body, so these go through node:http, and are checked all the same.
    it.each(['/health/live', '/health/ready'])('answer %s with a body that is not JSON with 400', async (path) => {
      const answer = await rawAnswer(running.url, { method: 'GET', path, headers: { 'content-type': 'application/json' }, body: '{' });
      running.contract.check(answer);
      expect(answer.status).toBe(400);
    });
  });

  describe('keys: every keyed operation', () => {
    it('answers a caller without a key with 401', async () => {
      const operations = keyedOperations(running.contract.document);
      expect(operations).toHaveLength(16);
      expect(await statusesOf(running.client(), operations, wellFormedCalls(randomUUID()))).toEqual(everyOne(operations, 401));
    });

    it('answers a send key on an admin route with 403', async () => {
      expect(await statusesOf(as('sender'), ADMIN_ONLY, wellFormedCalls(randomUUID()))).toEqual(everyOne(ADMIN_ONLY, 403));
    });
  });
});

describe('a mailroute that keeps no bodies (MAIL_BODY_RETENTION_DAYS=0)', () => {
  const running = useContractApp(ledger, () => ({ env: { MAIL_BODY_RETENTION_DAYS: '0' } }));

  it('answers the bodies of a message that has left Redis, and a copy of it, with 410, and the message itself with 200', async () => {
    const { data } = await running.client().POST('/v1/emails', { body: message });
    const path = { id: data!.id };
    // Sent, and moved to the history: only Redis held its bodies.
    await pollUntil(
      () => running.client().GET('/v1/emails/{id}/content', { params: { path } }),
      ({ response }) => response.status !== 200,
    );
    expect(await statusOf(running.client().GET('/v1/emails/{id}/content', { params: { path } }))).toBe(410);
    expect(await statusOf(running.client().POST('/v1/emails/{id}/resend', { params: { path } }))).toBe(410);
    expect((await running.client().GET('/v1/emails/{id}', { params: { path } })).data).toMatchObject({ status: 'sent' });
  });
});

describe('a mailroute without the providers\' webhook keys', () => {
  const running = useContractApp(ledger);

  it('answers both webhooks with 404, as routes that do not exist', async () => {
    const inbound: OperationId[] = ['receiveSendGridEvents', 'receiveMailgunEvent'];
    expect(await statusesOf(running.client(), inbound, wellFormedCalls(randomUUID()))).toEqual(everyOne(inbound, 404));
  });
});

describe('a mailroute over its rate limits (API_RATE_LIMIT by default, INBOUND_RATE_LIMIT=2)', () => {
  const caller = newApiKey('contract-limited', 'admin');
  const running = useContractApp(ledger, () => ({ env: { API_KEYS: caller.entry, INBOUND_RATE_LIMIT: '2', ...signer.env } }));
  /** Requests one after another pass API_RATE_LIMIT's 50 a second well before this many. */
  const MAX_REQUESTS_TO_429 = 500;

  /** Calls until the key is refused: from then on, for the block's second, it is refused everywhere. */
  async function spendTheLimit(client: MailrouteClient, call: Call): Promise<void> {
    for (let sent = 0; sent < MAX_REQUESTS_TO_429; sent += 1) if ((await call(client)).response.status === 429) return;
    throw new Error(`no 429 in ${MAX_REQUESTS_TO_429} requests`);
  }

  /**
   * Which of `operations` were refused 429: once `spend` has spent the limit, they are called all at once.
   * A lease of hits taken before the block may let a few through, so rounds go on, within a deadline,
   * until each has been refused once.
   */
  async function refuseEach(client: MailrouteClient, operations: OperationId[], spend: Call): Promise<OperationId[]> {
    const calls = wellFormedCalls(randomUUID());
    const refused = new Set<OperationId>();
    const deadline = Date.now() + 15_000;
    while (refused.size < operations.length && Date.now() < deadline) {
      await spendTheLimit(client, spend);
      const pending = operations.filter((operation) => !refused.has(operation));
      const statuses = await statusesOf(client, pending, calls);
      pending.filter((operation) => statuses[operation] === 429).forEach((operation) => refused.add(operation));
    }
    return operations.filter((operation) => refused.has(operation));
  }

  it('answers every keyed operation with 429 once one key has spent API_RATE_LIMIT', async () => {
    const operations = keyedOperations(running.contract.document);
    expect(await refuseEach(running.client(caller.key), operations, (client) => client.GET('/v1/providers'))).toEqual(operations);
  });

  it('answers each provider webhook with 429 past INBOUND_RATE_LIMIT', async () => {
    const calls = wellFormedCalls(randomUUID());
    for (const operation of ['receiveSendGridEvents', 'receiveMailgunEvent'] as const) {
      expect(await refuseEach(running.client(), [operation], calls[operation])).toEqual([operation]);
    }
  });
});

describe('a mailroute whose Redis has stopped', () => {
  const admin = newApiKey('contract-outage', 'admin');
  const running = useContractApp(ledger, () => ({ env: { API_KEYS: admin.entry, ...signer.env } }));

  it('answers every operation that needs Redis with 503, readiness included, and stays live', async () => {
    const { data } = await running.client(admin.key).POST('/v1/emails', { body: { ...message, sendAt: inAnHour() } });
    await running.redis.server.kill();

    const operations = operationsOf(running.contract.document).map(({ operationId }) => operationId as OperationId);
    const statuses = await statusesOf(running.client(admin.key), operations, wellFormedCalls(data!.id));
    expect(statuses).toEqual({ ...everyOne(operations, 503), checkLiveness: 200 });
  });
});

describe('the API document, held to what the service was seen to do', () => {
  it('declares no status for an operation that the tests above never saw it answer', () => {
    expect(ledger.unobserved()).toEqual([]);
  });
});
