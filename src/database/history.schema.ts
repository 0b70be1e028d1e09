import type { ColumnType } from 'kysely';

/** jsonb: written as JSON text (pg would turn a JS array into a PostgreSQL array), read back parsed. */
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
  owner: string | null;
  status: string;
  from: Json<{ email: string; name?: string }>;
  to: Json<{ email: string; name?: string }[]>;
  cc: Json<{ email: string; name?: string }[]>;
  bcc: Json<{ email: string; name?: string }[]>;
  reply_to: Json<{ email: string; name?: string }> | null;
  subject: string;
  tags: string[];
  metadata: Json<Record<string, string>>;
  attachments: Json<{ filename: string; contentType: string; size: number; contentId?: string }[]>;
  send_at: Date | null;
  provider: string | null;
  provider_message_id: string | null;
  error: Json<{ type: 'transient' | 'permanent'; message: string }> | null;
}

export interface MessageEventsTable {
  created_at: Date;
  email_id: string;
  /** The Redis stream entry the event came from: what makes writing it twice a no-op. */
  stream_id: string;
  type: string;
  at: Date;
  provider: string | null;
  detail: string | null;
}

export interface MessageAttemptsTable {
  created_at: Date;
  email_id: string;
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
  headers: Json<Record<string, string>>;
}

export const HISTORY_TABLES = ['messages', 'message_events', 'message_attempts', 'message_bodies'] as const;
export type HistoryTable = (typeof HISTORY_TABLES)[number];
