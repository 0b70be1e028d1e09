import { randomUUID } from 'node:crypto';
import type { MessageSnapshot } from '../../src/mail/messages/messages.module';
import type { EmailRecord } from '../../src/mail/messages/messages.module';

export interface SnapshotOptions {
  createdAt?: string;
  owner?: string;
  subject?: string;
  from?: string;
  to?: string[];
  cc?: string[];
  tags?: string[];
}

/** A message as Redis holds it when accepted: queued, one event, no attempts, with both bodies. */
export function queuedSnapshot(options: SnapshotOptions = {}): MessageSnapshot {
  const createdAt = options.createdAt ?? new Date().toISOString();
  const record: EmailRecord = {
    email: {
      id: randomUUID(),
      from: { email: options.from ?? 'shop@example.com', name: 'Shop' },
      to: (options.to ?? ['ann@example.net']).map((email) => ({ email })),
      cc: (options.cc ?? []).map((email) => ({ email })),
      bcc: [],
      replyTo: { email: 'support@example.com' },
      subject: options.subject ?? 'Your order',
      text: 'Hello Ann',
      html: '<p>Hello Ann</p>',
      headers: { 'X-Order': '1042' },
      tags: options.tags ?? ['orders', 'eu'],
      metadata: { order: '1042' },
      attachments: [],
    },
    // An owner given as undefined stays absent: a message stored before owners were recorded.
    ...('owner' in options ? options.owner !== undefined && { owner: options.owner } : { owner: 'billing' }),
    status: 'queued',
    createdAt,
    updatedAt: createdAt,
    attempts: [],
    attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', size: 1234 }],
  };
  return { record, events: [{ type: 'queued', at: createdAt }] };
}

/** The same message a second later, sent by its second provider after the first failed. */
export function sentSnapshot(queued: MessageSnapshot): MessageSnapshot {
  const { record } = queued;
  const at = (ms: number) => new Date(Date.parse(record.createdAt) + ms).toISOString();
  return {
    record: {
      ...record,
      status: 'sent',
      updatedAt: at(1000),
      provider: 'sendgrid',
      providerMessageId: 'sg-1',
      attempts: [
        { provider: 'mailgun', round: 1, startedAt: at(100), durationMs: 30, outcome: 'failed', error: { type: 'transient', message: 'mailgun answered HTTP 503' } },
        { provider: 'sendgrid', round: 1, startedAt: at(140), durationMs: 20, outcome: 'sent', providerMessageId: 'sg-1', response: '202 Accepted' },
      ],
    },
    events: [
      ...queued.events,
      { type: 'sending', at: at(100) },
      { type: 'attempt_failed', at: at(130), provider: 'mailgun', detail: 'mailgun answered HTTP 503' },
      { type: 'sent', at: at(1000), provider: 'sendgrid' },
    ],
  };
}

/** What the history gives back of a record: everything but its bodies. */
export function withoutBodies(record: EmailRecord): EmailRecord {
  const { text, html, ...email } = record.email;
  return { ...record, email };
}
