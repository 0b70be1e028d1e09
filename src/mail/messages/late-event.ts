import { EmailEvent } from './email-record';

/** An event that came after its message left Redis; `seq` is its place among the message's events. */
export interface LateEvent {
  emailId: string;
  seq: number;
  event: EmailEvent;
}

/**
 * Late events wait in one sorted set whose scores are all 0, so members sort by their text: starting
 * each with the message's id puts a message's late events together, for reads to find by range.
 */
export function lateEntry(late: LateEvent): string {
  return `${late.emailId}|${JSON.stringify({ seq: late.seq, event: late.event })}`;
}

export function parseLateEntry(entry: string): LateEvent {
  const bar = entry.indexOf('|');
  const { seq, event } = JSON.parse(entry.slice(bar + 1)) as { seq: number; event: EmailEvent };
  return { emailId: entry.slice(0, bar), seq, event };
}

/** ZRANGEBYLEX bounds of one message's late events. */
export function lateRange(emailId: string): [string, string] {
  return [`[${emailId}|`, `[${emailId}|\xff`];
}
