import type Mail from 'nodemailer/lib/mailer';
import { EmailAddress, OutgoingEmail } from './email-message';

const toAddress = ({ email, name }: EmailAddress): Mail.Address => ({ address: email, name: name ?? '' });

/** Maps a message onto nodemailer's options, which build the RFC 5322 / MIME form of it. */
export function toMimeMessage(email: OutgoingEmail, extraHeaders: Record<string, string> = {}): Mail.Options {
  return {
    from: toAddress(email.from),
    to: email.to.map(toAddress),
    cc: email.cc.map(toAddress),
    bcc: email.bcc.map(toAddress),
    replyTo: email.replyTo ? toAddress(email.replyTo) : undefined,
    subject: email.subject,
    text: email.text,
    html: email.html,
    headers: { ...email.headers, ...extraHeaders },
    attachments: email.attachments.map(({ filename, contentType, content, contentId }) => ({
      filename,
      contentType,
      content,
      ...(contentId ? { cid: contentId, contentDisposition: 'inline' as const } : {}),
    })),
  };
}
