import type { FakeMailgun } from '../fake-mailgun.server';
import type { FakeSendGrid } from '../fake-sendgrid.server';
import { DELIVERY, RedisOutage } from './chaos-cluster';
import { Outcome, RequestResult } from './chaos-client';
import { FinalStatuses, StoredMessage } from './final-statuses';
import { AnswerKind, kindOf } from './provider-faults';

/**
 * With appendfsync everysec, Redis writes each command to the AOF before it answers, so a killed Redis
 * process loses nothing it acknowledged; but while an fsync is slow it may hold writes back for up to
 * two seconds. A message accepted that long before the hard kill may be gone after it; no other may.
 */
export const CRASH_LOSS_WINDOW_MS = 2_000;

/** One send a fake provider received, and how it answered. */
export interface Delivery {
  provider: 'sendgrid' | 'mailgun';
  /** mailroute's message id (SendGrid `custom_args.mailroute_id`, Mailgun `v:mailroute-id`). */
  id: string;
  /** The client's `metadata.ref` (SendGrid `custom_args.ref`, Mailgun `v:ref`). */
  ref: string;
  kind: AnswerKind;
}

export interface FaultCounts {
  workerKills: number;
  redisFaults: number;
  /** Sends the providers received and whose answer was lost (hang until the timeout, dropped connection). */
  lostAnswers: number;
}

/**
 * At least once, so a message may reach the providers more than once; each repeat has a cause injected
 * here, and no cause makes more than this many:
 * - a killed worker: each send it had in flight (at most MAIL_CONCURRENCY) may have reached a provider
 *   before the kill, and is sent again when another worker takes the job over;
 * - a Redis outage (restart or crash): a send that a provider accepted while its result could not be
 *   stored is sent again, at most every in-flight send of every worker;
 * - a lost answer: the provider received the message but mailroute got a timeout or a cut connection,
 *   counts it as failed and sends it again (to the other provider, or in the next round), once per such
 *   answer.
 */
export function duplicateBound({ workerKills, redisFaults, lostAnswers }: FaultCounts): number {
  const inFlight = DELIVERY.concurrency;
  return workerKills * inFlight + redisFaults * DELIVERY.workers * inFlight + lostAnswers;
}

/** Every send both fakes received, in mailroute terms. */
export function receivedSends(sendgrid: FakeSendGrid, mailgun: FakeMailgun): Delivery[] {
  const fromSendGrid = sendgrid.received.map(({ body }, index): Delivery => ({
    provider: 'sendgrid',
    id: String(body.custom_args?.mailroute_id),
    ref: String(body.custom_args?.ref),
    kind: kindOf(sendgrid.answered[index]),
  }));
  const fromMailgun = mailgun.received.map(({ fields }, index): Delivery => ({
    provider: 'mailgun',
    id: String(fields['v:mailroute-id']?.[0]),
    ref: String(fields['v:ref']?.[0]),
    kind: kindOf(mailgun.answered[index]),
  }));
  return [...fromSendGrid, ...fromMailgun];
}

interface AcceptedMessage {
  id: string;
  ref: string;
  acceptedAt: number;
}

/** The three records side by side: figures for the summary, and for each property the cases that break it. */
export interface Reconciliation {
  figures: Record<string, number>;
  duplicates: number;
  /** Accepted messages neither sent nor failed at the deadline, with their last status. */
  unfinished: string[];
  /** Accepted messages the store no longer has, accepted outside the crash window. */
  lost: string[];
  /** Accepted messages the store no longer has, accepted within the crash window before the hard kill. */
  lostInCrashWindow: string[];
  /** `sent` messages that the provider the store names never accepted. */
  sentNotReceived: string[];
  /** `failed` messages without an error, or with a failed attempt without one. */
  failedWithoutError: string[];
  /** Client references that reached the store or a provider under more than one mailroute id. */
  refsWithSeveralIds: string[];
  /** Messages stored under an accepted id but carrying another client reference. */
  storeMismatches: string[];
  /** Requests answered with anything but 202 or 503. */
  rejectedRequests: string[];
}

export function reconcile(
  results: RequestResult[],
  store: FinalStatuses,
  received: Delivery[],
  redisOutages: RedisOutage[],
): Reconciliation {
  const accepted = acceptedMessages(results);
  const outcomeOfRef = new Map(results.flatMap((result) => result.request.messages.map(({ ref }) => [ref, result.outcome] as const)));
  const delivered = received.filter((send) => send.kind !== 'refused');
  const finals = [...store.final.values()];
  const crashes = redisOutages.filter((outage) => outage.signal === 'SIGKILL');
  const inCrashWindow = (id: string) => {
    const { acceptedAt } = accepted.get(id)!;
    return crashes.some(({ signalledAt, goneAt }) => acceptedAt >= signalledAt - CRASH_LOSS_WINDOW_MS && acceptedAt <= goneAt);
  };
  const missing = [...store.missing];
  const orphans = delivered.filter((send) => !accepted.has(send.id));
  const orphansBy = (outcome: Outcome) => orphans.filter((send) => outcomeOfRef.get(send.ref) === outcome).length;
  const duplicates = countDuplicates(delivered);
  const deliveriesOf = groupBy(delivered, (send) => send.id);

  return {
    figures: {
      'messages': outcomeOfRef.size,
      'requests': results.length,
      'accepted (202)': accepted.size,
      'sent': finals.filter((message) => message.status === 'sent').length,
      'failed': finals.filter((message) => message.status === 'failed').length,
      'unfinished (accepted, neither sent nor failed)': store.unfinished.length,
      'lost (accepted, gone from the store)': missing.filter((id) => !inCrashWindow(id)).length,
      'lost in the Redis crash window': missing.filter(inCrashWindow).length,
      'unknown-outcome requests (no answer, or keyed and gave up)': countOutcome(results, 'unknown'),
      'refused requests (503, keyless)': countOutcome(results, 'refused'),
      'rejected requests (any other answer)': countOutcome(results, 'rejected'),
      'keyed requests retried': results.filter((result) => result.request.key && result.tries > 1).length,
      'sends received by the providers': received.length,
      'deliveries (accepted, or answer lost)': delivered.length,
      'duplicate deliveries': duplicates,
      'orphan deliveries (not in the accepted set)': orphans.length,
      'orphans from unknown-outcome requests': orphansBy('unknown'),
      'orphans from refused requests': orphansBy('refused'),
    },
    duplicates,
    unfinished: store.unfinished.map(({ id, status }) => `${id} (${accepted.get(id)?.ref}) is ${status}`),
    lost: missing.filter((id) => !inCrashWindow(id)).map((id) => describeLoss(accepted.get(id)!, crashes)),
    lostInCrashWindow: missing.filter(inCrashWindow).map((id) => describeLoss(accepted.get(id)!, crashes)),
    sentNotReceived: finals
      .filter((message) => message.status === 'sent')
      .filter(({ id, provider }) => !deliveriesOf.get(id)?.some((send) => send.provider === provider && send.kind === 'accepted'))
      .map(({ id, provider }) => `${id} is sent by ${provider}, which never accepted it`),
    failedWithoutError: finals.filter((message) => message.status === 'failed' && !explainsFailure(message)).map(({ id }) => id),
    refsWithSeveralIds: refsWithSeveralIds(accepted, received),
    storeMismatches: finals
      .filter(({ id, metadata }) => metadata?.ref !== accepted.get(id)!.ref)
      .map(({ id, metadata }) => `${id}: accepted as ${accepted.get(id)!.ref}, stored as ${metadata?.ref}`),
    rejectedRequests: results
      .filter((result) => result.outcome === 'rejected')
      .map(({ request, detail }) => `request ${request.index}: ${detail}`),
  };
}

/** The figures and the faults as one Markdown table, for the test output. */
export function summaryTable(title: string, rows: Record<string, number | string>): string {
  const lines = Object.entries(rows).map(([name, value]) => `| ${name} | ${value} |`);
  return [title, '', '| figure | value |', '| --- | --- |', ...lines].join('\n');
}

function acceptedMessages(results: RequestResult[]): Map<string, AcceptedMessage> {
  return new Map(
    results
      .filter((result) => result.outcome === 'accepted')
      .flatMap(({ request, ids, acceptedAt }) =>
        request.messages.map(({ ref }, index) => [ids[index], { id: ids[index], ref, acceptedAt: acceptedAt! }] as const),
      ),
  );
}

function countOutcome(results: RequestResult[], outcome: Outcome): number {
  return results.filter((result) => result.outcome === outcome).length;
}

/** Deliveries beyond the first of each message, across both providers. */
function countDuplicates(delivered: Delivery[]): number {
  return [...groupBy(delivered, (send) => send.id).values()].reduce((sum, sends) => sum + sends.length - 1, 0);
}

export function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  items.forEach((item) => groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]));
  return groups;
}

/** The reason, and the provider's error for every failed attempt. */
function explainsFailure({ error, attempts }: StoredMessage): boolean {
  return Boolean(error?.message) && attempts.every((attempt) => attempt.outcome !== 'failed' || Boolean(attempt.error?.message));
}

/** One client reference must mean one message: the id it was accepted under is the only one any provider saw. */
function refsWithSeveralIds(accepted: Map<string, AcceptedMessage>, received: Delivery[]): string[] {
  const idsOfRef = new Map<string, Set<string>>();
  const add = (ref: string, id: string) => idsOfRef.set(ref, (idsOfRef.get(ref) ?? new Set()).add(id));
  accepted.forEach(({ ref, id }) => add(ref, id));
  received.forEach(({ ref, id }) => add(ref, id));
  return [...idsOfRef].filter(([, ids]) => ids.size > 1).map(([ref, ids]) => `${ref}: ${[...ids].join(', ')}`);
}

function describeLoss({ id, ref, acceptedAt }: AcceptedMessage, crashes: RedisOutage[]): string {
  const relative = crashes.map(({ signalledAt }) => `, ${acceptedAt - signalledAt} ms from the Redis kill`).join('');
  return `${id} (${ref}) accepted at ${new Date(acceptedAt).toISOString()}${relative}`;
}
