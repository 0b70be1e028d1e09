import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { OutgoingEmail } from '../../providers/providers.module';

export type StoredContent = Omit<OutgoingEmail, 'attachments'>;

/** No JSON text starts with it: what follows is the base64 of the raw-deflated JSON. */
const DEFLATED = '~';
/** Below this, deflating costs its time for less than a KB of memory. */
const DEFLATE_FROM_BYTES = 2048;

/**
 * A message's content as its record keeps it in Redis: JSON, deflated when large. The bodies are most of
 * a message, and Redis holds every message in flight, most of all when a provider outage builds a
 * backlog: HTML and text deflate to a third of their size or less (10.6 KB to 4.4 KB as base64 for the
 * storage bench's message), at level 1 for about 60 µs of the accept's CPU and 20-35 µs per read. Base64,
 * at a third more bytes, keeps the field a string for the scripts and for ioredis' string replies.
 */
export function storedContent(content: StoredContent): string {
  const json = JSON.stringify(content);
  if (json.length < DEFLATE_FROM_BYTES) return json;
  return DEFLATED + deflateRawSync(json, { level: 1 }).toString('base64');
}

/** The content storedContent() kept: deflated or plain JSON (as records written before deflating are). */
export function contentFrom(stored: string): StoredContent {
  const json = stored.startsWith(DEFLATED) ? inflateRawSync(Buffer.from(stored.slice(DEFLATED.length), 'base64')).toString('utf8') : stored;
  return JSON.parse(json) as StoredContent;
}
