/** Headers mailroute writes from the message's own fields. */
const OWN_FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'subject']);

/**
 * Headers a caller may not set besides those: each would contradict what mailroute or the provider
 * writes, show readers another sender, send replies, bounces or receipts elsewhere, forge what receiving
 * servers recorded, or instruct the provider outside the API.
 */
const RESERVED = new Set([
  // written by mailroute or the provider
  'sender', 'date', 'message-id', 'mime-version', 'dkim-signature', 'domainkey-signature', 'x-smtpapi',
  // another sender or author
  'author', 'original-from', 'original-sender', 'x-original-from', 'x-original-sender', 'x-sender', 'x-author',
  // where replies, bounces and receipts go, or where the message was addressed
  'return-path', 'errors-to', 'mail-reply-to', 'mail-followup-to', 'return-receipt-to',
  'disposition-notification-to', 'x-confirm-reading-to', 'delivered-to', 'envelope-to', 'apparently-to',
  'x-original-to', 'x-envelope-from', 'x-envelope-to',
  // what receiving servers record
  'received', 'received-spf', 'authentication-results',
]);

/**
 * Whole families: MIME structure (`Content-*`), redistribution (`Resent-*`, RFC 5322 3.6.6), ARC seals,
 * and the providers' own control headers.
 */
const RESERVED_PREFIXES = ['content-', 'resent-', 'arc-', 'x-mailgun-', 'x-sg-'];

/** Why a custom header cannot have this name, or undefined when it can. */
export function reservedHeaderProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (OWN_FIELDS.has(lower)) return 'cannot be set as a custom header; use the message\'s own field';
  if (RESERVED.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    return 'cannot be set as a custom header; mailroute sets it, or it would forge the sender or routing';
  }
  return undefined;
}
