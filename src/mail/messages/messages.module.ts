import { Module } from '@nestjs/common';
import { queueLifecycle } from '../../common/queue-lifecycle';
import { EmailEventStream } from './email-event.stream';
import { HistoryOutbox } from './history.outbox';
import { MAIL_QUEUE, MAIL_QUEUE_REGISTRATION } from './mail.queue';
import { MessageMetrics } from './message.metrics';
import { MessageStore } from './message.store';

export { EmailEventStream, StreamedEvent } from './email-event.stream';
export { Attempt, AttachmentInfo, EMAIL_STATUSES, EVENT_TYPES, EmailEvent, EmailRecord, EmailStatus, ErrorDetail, EventType } from './email-record';
export { HistoryOutbox, MessageSnapshot } from './history.outbox';
export { LateEvent } from './late-event';
export { DeliveryJob, MAIL_QUEUE, MessageFailedError, RetryLaterError } from './mail.queue';
export { FINAL_STATUSES } from './message.keys';
export { FailureReason, MessageMetrics } from './message.metrics';
export { ClaimedMessage, MessageState, MessageStore, NewMessage, isFinal } from './message.store';

/**
 * The messages in flight in Redis: each record with its events and attempts, the event stream, the
 * outbox of final messages on their way to PostgreSQL, and the mail queue whose jobs stand for them.
 * Shared by every process; it serves no route.
 */
@Module({
  imports: [MAIL_QUEUE_REGISTRATION],
  providers: [MessageStore, HistoryOutbox, EmailEventStream, MessageMetrics, queueLifecycle(MAIL_QUEUE)],
  exports: [MAIL_QUEUE_REGISTRATION, MessageStore, HistoryOutbox, EmailEventStream, MessageMetrics],
})
export class MessagesModule {}
