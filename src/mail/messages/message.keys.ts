/** Where a message lives in Redis while it is in flight, and the sets that follow it until it is in PostgreSQL. */
export const recordKey = (id: string) => `mailroute:email:${id}`;
export const contentKey = (id: string) => `mailroute:email:${id}:attachments`;
export const attemptsKey = (id: string) => `mailroute:email:${id}:attempts`;
export const eventsKey = (id: string) => `mailroute:email:${id}:events`;
/**
 * What is left of a message sent with an Idempotency-Key once it has moved to PostgreSQL: its final
 * status, for the key's 24 hours, so that a repeat neither stores it again nor needs PostgreSQL to answer.
 */
export const movedKey = (id: string) => `mailroute:email:${id}:moved`;

/** Messages not yet final, scored by creation time (ms): what the orphan sweep walks. */
export const IN_FLIGHT_KEY = 'mailroute:inflight';
/** Final messages still in Redis, scored by when they became final (ms): the history writer's outbox. */
export const FINISHED_KEY = 'mailroute:finished';
/** Events that came after their message left Redis (a provider's later report), until they are in PostgreSQL. */
export const LATE_EVENTS_KEY = 'mailroute:late-events';

export const FINAL_STATUSES = ['sent', 'failed', 'cancelled'] as const;
