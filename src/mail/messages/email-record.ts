import type { OutgoingEmail } from '../../providers/providers.module';

export const EMAIL_STATUSES = ['scheduled', 'queued', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

export const EVENT_TYPES = [
  'scheduled',
  'queued',
  'sending',
  'attempt_failed',
  'sent',
  'failed',
  'cancelled',
  // Reported afterwards by the provider's event webhooks:
  'delivered',
  'bounced',
  'complained',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One step of a message's life, as the timeline (and later the webhooks) show it. */
export interface EmailEvent {
  type: EventType;
  at: string;
  provider?: string;
  detail?: string;
}

export interface ErrorDetail {
  /** `transient`: the provider could not send now; `permanent`: the provider refused the message. */
  type: 'transient' | 'permanent';
  message: string;
}

/** One try of one provider. */
export interface Attempt {
  provider: string;
  /** Which delivery round (1 = first) the attempt belongs to; a round tries providers in order. */
  round: number;
  startedAt: string;
  durationMs: number;
  outcome: 'sent' | 'failed';
  providerMessageId?: string;
  /** The provider's own answer on success, when it gives one (e.g. SMTP's `250 OK: queued as …`). */
  response?: string;
  error?: ErrorDetail;
}

/** What GET shows of an attachment: everything but its bytes. */
export interface AttachmentInfo {
  filename: string;
  contentType: string;
  size: number;
  contentId?: string;
}

/** What the store keeps about a message: the message itself, where it is, and how it got there. */
export interface EmailRecord {
  email: OutgoingEmail;
  /**
   * The name of the API key that sent it ('local' without API keys); undefined for messages stored
   * before owners were recorded, which only admin keys see.
   */
  owner?: string;
  status: EmailStatus;
  /** When a scheduled message is due. */
  sendAt?: string;
  createdAt: string;
  updatedAt: string;
  provider?: string;
  providerMessageId?: string;
  error?: ErrorDetail;
  attempts: Attempt[];
  attachments: AttachmentInfo[];
  /** The message this one is a copy of, sent again (POST /v1/emails/{id}/resend). */
  resentFrom?: string;
}
