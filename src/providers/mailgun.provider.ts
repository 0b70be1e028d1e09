import NodeFormData from 'form-data';
import Mailgun from 'mailgun.js';
import type { Interfaces, MailgunMessageData } from 'mailgun.js/definitions';
import { formatAddress } from './address-format';
import { OutgoingEmail } from './email-message';
import { AdapterTimings, SendResult } from './email-provider';
import { HttpApiProvider } from './http-api.provider';
import { HttpFailure } from './http-failure';
import { PermanentProviderError } from './provider.errors';

export interface MailgunSettings {
  apiKey: string;
  domain: string;
  /** API origin: https://api.mailgun.net (US) or https://api.eu.mailgun.net (EU). */
  apiUrl: string;
}

/** Mailgun's documented limits, checked before sending so that the error names the limit. */
const MAX_RECIPIENTS = 1000;
const MAX_TAGS = 3;
const MAX_TAG_LENGTH = 128;
const MAX_VARIABLES_BYTES = 4096;

/** Mailgun through its official SDK: `POST /v3/{domain}/messages` as a multipart form. */
export class MailgunProvider extends HttpApiProvider<MailgunForm> {
  readonly name = 'mailgun';
  private readonly client: Interfaces.IMailgunClient;

  constructor(
    private readonly settings: MailgunSettings,
    timings: AdapterTimings,
  ) {
    super(settings.apiKey, timings.checkIntervalMs);
    // The form-data package rather than Node's own FormData: only it sends a file part's content type.
    this.client = new Mailgun(NodeFormData).client({
      username: 'api',
      key: settings.apiKey,
      url: settings.apiUrl,
      timeout: timings.sendTimeoutMs,
    });
  }

  protected toRequest(email: OutgoingEmail): MailgunForm {
    return toMailgunForm(email);
  }

  protected async post(form: MailgunForm): Promise<SendResult> {
    // The SDK's type wants text, html or template known statically; validation guarantees one is set.
    const answer = await this.client.messages.create(this.settings.domain, form as MailgunMessageData);
    return { providerMessageId: answer.id ?? '' };
  }

  /** The domain lookup proves the key, the domain and the route to the API. */
  protected async verifyCredentials(): Promise<void> {
    await this.client.domains.get(this.settings.domain);
  }

  protected describeFailure(error: unknown): HttpFailure {
    return describeFailure(error);
  }
}

interface MailgunFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

type MailgunForm = Record<string, string | string[] | MailgunFile[]>;

/** Maps a message onto Mailgun's form fields; throws a PermanentProviderError for what Mailgun would refuse. */
export function toMailgunForm(email: OutgoingEmail): MailgunForm {
  const variables = { ...email.metadata, 'mailroute-id': email.id };
  checkLimits(email.to.length + email.cc.length + email.bcc.length, email.tags, variables);
  const form: MailgunForm = {
    from: formatAddress(email.from),
    to: email.to.map(formatAddress),
    subject: email.subject,
  };
  if (email.cc.length) form.cc = email.cc.map(formatAddress);
  if (email.bcc.length) form.bcc = email.bcc.map(formatAddress);
  if (email.text) form.text = email.text;
  if (email.html) form.html = email.html;
  if (email.replyTo) form['h:Reply-To'] = formatAddress(email.replyTo);
  if (email.tags.length) form['o:tag'] = email.tags;
  for (const [name, value] of Object.entries(email.headers)) form[`h:${name}`] = value;
  for (const [name, value] of Object.entries(variables)) form[`v:${name}`] = value;
  // Mailgun names an inline part's Content-ID after its filename, so an inline file carries the cid.
  const files = (inline: boolean) =>
    email.attachments
      .filter((attachment) => Boolean(attachment.contentId) === inline)
      .map(({ filename, contentType, content, contentId }) => ({ filename: contentId ?? filename, contentType, data: content }));
  if (files(false).length) form.attachment = files(false);
  if (files(true).length) form.inline = files(true);
  return form;
}

function checkLimits(recipients: number, tags: string[], variables: Record<string, string>): void {
  if (recipients > MAX_RECIPIENTS) {
    throw new PermanentProviderError(`Mailgun accepts at most ${MAX_RECIPIENTS} recipients per message`);
  }
  if (tags.length > MAX_TAGS) {
    throw new PermanentProviderError(`Mailgun accepts at most ${MAX_TAGS} tags per message (o:tag)`);
  }
  if (tags.some((tag) => tag.length > MAX_TAG_LENGTH)) {
    throw new PermanentProviderError(`Mailgun tags are at most ${MAX_TAG_LENGTH} characters`);
  }
  if (Buffer.byteLength(JSON.stringify(variables)) > MAX_VARIABLES_BYTES) {
    throw new PermanentProviderError(`Mailgun custom variables (metadata) are at most ${MAX_VARIABLES_BYTES} bytes`);
  }
}

interface MailgunError {
  status?: number;
  details?: string;
  message?: string;
}

/** A network failure's code (ECONNREFUSED, ECONNRESET, ECONNABORTED, ...), which the SDK reports as a 400. */
const NETWORK_CODE = /^E[A-Z_]+$/;

/**
 * The SDK throws an error with the HTTP status, the status text as `message` and Mailgun's own words in
 * `details`. It reports network failures as status 400 too, with the error code as `message`: those are
 * told apart here, since a real 400 means the message is bad and a refused connection does not.
 */
function describeFailure(error: unknown): HttpFailure {
  const { status, details, message } = (error ?? {}) as MailgunError;
  const detail = details || message || 'no details';
  if (typeof status !== 'number' || NETWORK_CODE.test(message ?? '')) return { detail };
  return { status, detail };
}
