import { Client } from '@sendgrid/client';
import type { MailDataRequired } from '@sendgrid/helpers/classes/mail';
import { MailService } from '@sendgrid/mail';
import { EmailAddress, OutgoingEmail } from './email-message';
import { AdapterTimings, SendResult } from './email-provider';
import { HttpApiProvider } from './http-api.provider';
import { HttpFailure } from './http-failure';
import { PermanentProviderError } from './provider.errors';

export interface SendGridSettings {
  apiKey: string;
  /** API origin, e.g. https://api.sendgrid.com or https://api.eu.sendgrid.com. */
  apiUrl: string;
}

/** SendGrid's documented limits, checked before sending so that the error names the limit. */
const MAX_RECIPIENTS = 1000;
const MAX_CATEGORIES = 10;
const MAX_CATEGORY_LENGTH = 255;
const MAX_CUSTOM_ARGS_BYTES = 10_000;

/** SendGrid through its official SDK: v3 `POST /v3/mail/send`. */
export class SendGridProvider extends HttpApiProvider<MailDataRequired> {
  readonly name = 'sendgrid';
  private readonly client = new Client();
  private readonly mail = new MailService();

  constructor(settings: SendGridSettings, timings: AdapterTimings) {
    super(settings.apiKey, timings.checkIntervalMs);
    this.client.setApiKey(settings.apiKey);
    // setApiKey() resets the base URL to SendGrid's own, so the configured one must come after it.
    this.client.setDefaultRequest('baseUrl', settings.apiUrl);
    this.mail.setClient(this.client);
    this.mail.setTimeout(timings.sendTimeoutMs);
  }

  protected toRequest(email: OutgoingEmail): MailDataRequired {
    return toSendGridMail(email);
  }

  protected async post(request: MailDataRequired): Promise<SendResult> {
    const [response] = await this.mail.send(request);
    const headers = response.headers as Record<string, string | undefined>;
    return { providerMessageId: String(headers['x-message-id'] ?? '') };
  }

  protected async verifyCredentials(): Promise<void> {
    await this.client.request({ method: 'GET', url: '/v3/scopes' });
  }

  protected describeFailure(error: unknown): HttpFailure {
    return describeFailure(error);
  }
}

/** Maps a message onto the SDK's mail data; throws a PermanentProviderError for what SendGrid would refuse. */
export function toSendGridMail(email: OutgoingEmail): MailDataRequired {
  const [to, cc, bcc] = withoutRepeats([email.to, email.cc, email.bcc]);
  const customArgs = { ...email.metadata, mailroute_id: email.id };
  checkLimits(to.length + cc.length + bcc.length, email.tags, customArgs);
  const content = [
    ...(email.text ? [{ type: 'text/plain', value: email.text }] : []),
    ...(email.html ? [{ type: 'text/html', value: email.html }] : []),
  ];
  return {
    from: email.from,
    // Custom headers go in the personalization: @sendgrid/mail also sends a top-level `headers` as the
    // HTTP request's own headers, where a mail header could replace the API's Authorization.
    personalizations: [{ to, ...(cc.length ? { cc } : {}), ...(bcc.length ? { bcc } : {}), headers: email.headers }],
    replyTo: email.replyTo,
    subject: email.subject,
    content: content as MailDataRequired['content'],
    categories: email.tags.length ? email.tags : undefined,
    customArgs,
    attachments: email.attachments.length
      ? email.attachments.map(({ filename, contentType, content, contentId }) => ({
          filename,
          type: contentType,
          content: content.toString('base64'),
          disposition: contentId ? 'inline' : 'attachment',
          // The SDK passes attachments through as they are, so the wire name is used here.
          ...(contentId ? { content_id: contentId } : {}),
        }))
      : undefined,
  } as MailDataRequired;
}

/**
 * SendGrid refuses a personalization naming one address twice across to, cc and bcc; the recipient
 * would get one copy anyway, so later repeats are dropped.
 */
function withoutRepeats(lists: EmailAddress[][]): EmailAddress[][] {
  const seen = new Set<string>();
  return lists.map((list) =>
    list.filter(({ email }) => {
      const key = email.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  );
}

function checkLimits(recipients: number, tags: string[], customArgs: Record<string, string>): void {
  if (recipients > MAX_RECIPIENTS) {
    throw new PermanentProviderError(`SendGrid accepts at most ${MAX_RECIPIENTS} recipients per message`);
  }
  if (tags.length > MAX_CATEGORIES) {
    throw new PermanentProviderError(`SendGrid accepts at most ${MAX_CATEGORIES} categories (tags) per message`);
  }
  if (tags.some((tag) => tag.length > MAX_CATEGORY_LENGTH)) {
    throw new PermanentProviderError(`SendGrid categories (tags) are at most ${MAX_CATEGORY_LENGTH} characters`);
  }
  if (Buffer.byteLength(JSON.stringify(customArgs)) > MAX_CUSTOM_ARGS_BYTES) {
    throw new PermanentProviderError(`SendGrid custom_args (metadata) are at most ${MAX_CUSTOM_ARGS_BYTES} bytes`);
  }
}

interface SendGridError {
  code?: number | string;
  message?: string;
  response?: { headers?: Record<string, string>; body?: { errors?: { message?: string; field?: string | null }[] } };
}

/** The SDK throws a ResponseError (numeric `code`, parsed body) for HTTP answers, and axios errors otherwise. */
function describeFailure(error: unknown): HttpFailure {
  const { code, message, response } = (error ?? {}) as SendGridError;
  if (typeof code !== 'number' || !response) {
    return { detail: [code, message].filter(Boolean).join(': ') || 'no answer' };
  }
  const errors = response.body?.errors ?? [];
  const detail = errors.map((e) => (e.field ? `${e.message} (${e.field})` : e.message)).join('; ');
  return { status: code, detail: detail || message || 'no details', retryAfter: response.headers?.['retry-after'] };
}
