import { Module } from '@nestjs/common';
import { queueLifecycle } from '../../common/queue-lifecycle';
import { EmailEventStream } from './email-event.stream';
import { MAIL_QUEUE, MAIL_QUEUE_REGISTRATION } from './mail.queue';
import { MessageIndex } from './message.index';
import { MessageMetrics } from './message.metrics';
import { MessageStore } from './message.store';

export { EmailEventStream, StreamedEvent } from './email-event.stream';
export { Attempt, AttachmentInfo, EMAIL_STATUSES, EVENT_TYPES, EmailEvent, EmailRecord, EmailStatus, ErrorDetail, EventType } from './email-record';
export { DeliveryJob, MAIL_QUEUE, MessageFailedError, RetryLaterError } from './mail.queue';
export { Cursor, MessageIndex, decodeCursor, encodeCursor } from './message.index';
export { FailureReason, MessageMetrics } from './message.metrics';
export { ClaimedMessage, MessageStore, NewMessage } from './message.store';

/**
 * The messages in Redis: each record with its events, attempts and indexes, the event stream, and the
 * mail queue whose jobs stand for them. Shared by every process; it serves no route.
 */
@Module({
  imports: [MAIL_QUEUE_REGISTRATION],
  providers: [MessageStore, MessageIndex, EmailEventStream, MessageMetrics, queueLifecycle(MAIL_QUEUE)],
  exports: [MAIL_QUEUE_REGISTRATION, MessageStore, MessageIndex, EmailEventStream, MessageMetrics],
})
export class MessagesModule {}
