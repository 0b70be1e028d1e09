import type { ColumnType } from 'kysely';

/**
 * json: written as JSON text (pg would turn a JS array into a PostgreSQL array), read back parsed. json
 * rather than jsonb: nothing queries inside these values, and for small objects json's text is the
 * smaller (bytes per message are what the history costs).
 */
type Json<T> = ColumnType<T, string, string>;

/**
 * The history tables, every one partitioned by day on `created_at`, the creation time of the message a
 * row belongs to: a message's rows live in one day's partitions and expire together when that day's
 * partitions are dropped.
 */
export interface HistoryTables {
  messages: MessagesTable;
  message_events: MessageEventsTable;
  message_attempts: MessageAttemptsTable;
  message_bodies: MessageBodiesTable;
}

export interface MessagesTable {
  id: string;
  created_at: Date;
  updated_at: Date;
  /** How many events the snapshot had: a message's version, since every change of its state adds one (updated_at can tie within a millisecond). */
  event_count: number;
  owner: string | null;
  status: string;
  /** Lower-cased, for the sender filter. */
  from_email: string;
  from: Json<{ email: string; name?: string }>;
  to: Json<{ email: string; name?: string }[]>;
  cc: Json<{ email: string; name?: string }[]>;
  bcc: Json<{ email: string; name?: string }[]>;
  /** to, cc and bcc's addresses, lower-cased, for the recipient filter. */
  recipients: string[];
  reply_to: Json<{ email: string; name?: string }> | null;
  subject: string;
  headers: Json<Record<string, string>>;
  tags: string[];
  metadata: Json<Record<string, string>>;
  attachments: Json<{ filename: string; contentType: string; size: number; contentId?: string }[]>;
  send_at: Date | null;
  provider: string | null;
  provider_message_id: string | null;
  error: Json<{ type: 'transient' | 'permanent'; message: string }> | null;
  /** The message this one is a copy of (migration 0002). */
  resent_from: string | null;
}

export interface MessageEventsTable {
  created_at: Date;
  email_id: string;
  /**
   * The event's position in its message's events list, or a late event's own number (larger than any
   * position): what orders the events and makes writing one twice a no-op. bigint, which pg reads as a string.
   */
  seq: ColumnType<string, number, number>;
  type: string;
  at: Date;
  provider: string | null;
  detail: string | null;
}

export interface MessageAttemptsTable {
  created_at: Date;
  email_id: string;
  /** The attempt's position in its message's attempts. */
  seq: number;
  round: number;
  provider: string;
  started_at: Date;
  duration_ms: number;
  outcome: string;
  provider_message_id: string | null;
  response: string | null;
  error: Json<{ type: 'transient' | 'permanent'; message: string }> | null;
}

export interface MessageBodiesTable {
  created_at: Date;
  email_id: string;
  text: string | null;
  html: string | null;
}

export const HISTORY_TABLES = ['messages', 'message_events', 'message_attempts', 'message_bodies'] as const;
export type HistoryTable = (typeof HISTORY_TABLES)[number];
