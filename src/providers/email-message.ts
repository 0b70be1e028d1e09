export interface EmailAddress {
  email: string;
  name?: string;
}

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Set for an inline part that the html refers to as `cid:<contentId>`. */
  contentId?: string;
}

/** A validated, normalised message as every adapter receives it. */
export interface OutgoingEmail {
  /** mailroute's id for the message; stable across retries and providers. */
  id: string;
  from: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  replyTo?: EmailAddress;
  subject: string;
  text?: string;
  html?: string;
  headers: Record<string, string>;
  tags: string[];
  metadata: Record<string, string>;
  attachments: Attachment[];
}
