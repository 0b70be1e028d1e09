import { randomBytes } from 'node:crypto';
import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { FakeProviderServer, FakeReply, FakeRoute, jsonReply, reasonPhrase } from './fake-http-answer';
import { watchSecret } from './secret-watch';

/** One authenticated POST /v3/mail/send, as the fake received it. */
export interface SendGridRequest {
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, in SendGrid's snake_case wire format. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read as supertest's bodies are, by the wire format's field names
  body: any;
}

interface SendGridError {
  message: string;
  field: string | null;
  help: null;
}

/** The parts of a mail/send body that SendGrid validates; anything may be missing or of the wrong type. */
interface MailBody {
  personalizations?: unknown;
  from?: { email?: unknown };
  subject?: unknown;
  template_id?: unknown;
  content?: unknown;
  categories?: unknown;
}
type Personalization = Partial<Record<'to' | 'cc' | 'bcc' | 'subject', unknown>>;

const MAX_CATEGORIES = 10;
const RECIPIENT_LISTS = ['to', 'cc', 'bcc'] as const;

/**
 * SendGrid's v3 API as the official SDK sees it: POST /v3/mail/send (202 with X-Message-Id, or 400
 * listing every problem) and GET /v3/scopes as a credential check, both behind `Bearer <apiKey>`.
 */
export class FakeSendGrid extends FakeProviderServer<SendGridRequest> {
  static async start({ apiKey = 'SG.test-key' }: { apiKey?: string } = {}): Promise<FakeSendGrid> {
    const fake = new FakeSendGrid(apiKey);
    watchSecret(apiKey);
    await fake.listen();
    return fake;
  }

  protected route(req: IncomingMessage, body: Buffer): FakeRoute<SendGridRequest> {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return { reply: this.errorReply(401) };
    if (req.method === 'GET' && req.url === '/v3/scopes') {
      return { reply: this.unlessDown(jsonReply(200, { scopes: ['mail.send'] })) };
    }
    if (req.method !== 'POST' || req.url !== '/v3/mail/send') return { reply: this.errorReply(404) };
    const mail = parseJson(body);
    if (mail === undefined) return { reply: this.errorReply(400) };
    const errors = validate(mail);
    return {
      send: { headers: req.headers, body: mail },
      rejection: errors.length > 0 ? jsonReply(400, { errors }) : undefined,
    };
  }

  protected accepted(): FakeReply {
    // Real ids are opaque tokens; tests only need them unique.
    return { status: 202, headers: { 'X-Message-Id': randomBytes(16).toString('base64url') } };
  }

  protected errorReply(status: number): FakeReply {
    const message = ERROR_MESSAGES[status] ?? reasonPhrase(status);
    return jsonReply(status, { errors: [{ message, field: null, help: null }] });
  }
}

const ERROR_MESSAGES: Record<number, string> = {
  401: 'The provided authorization grant is invalid, expired, or revoked',
  429: 'too many requests',
};

const FROM_REQUIRED =
  'The from object must be provided for every email send. It is an object that requires the email parameter, ' +
  'but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or ' +
  '{"email" : "example@example.com", "name" : "Example Recipient"}.';
const SUBJECT_REQUIRED =
  'The subject is required. You can get around this requirement if you use a template with a subject defined ' +
  'or if every personalization has a subject defined.';
const CONTENT_REQUIRED =
  'Unless a valid template_id is provided, the content parameter is required. There must be at least one ' +
  'defined content block. We typically suggest both text/plain and text/html blocks are included, but only ' +
  'one block is required.';
const PERSONALIZATIONS_REQUIRED =
  'The personalizations field is required and must have at least one personalization.';
const TO_REQUIRED =
  'The to array is required for all personalization objects, and must have at least one email object with a ' +
  'valid email address.';

const error = (field: string, message: string): SendGridError => ({ message, field, help: null });
const isText = (value: unknown): boolean => typeof value === 'string' && value.length > 0;
const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? value : []);

/** Undefined for anything that is not a JSON object, which SendGrid refuses before looking inside. */
function parseJson(body: Buffer): MailBody | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The checks SendGrid makes on a mail/send body, with its own messages; it reports all of them at once. */
function validate(mail: MailBody): SendGridError[] {
  const personalizations = asArray<Personalization>(mail.personalizations);
  const hasTemplate = isText(mail.template_id);
  const everyHasSubject = personalizations.length > 0 && personalizations.every((p) => isText(p?.subject));
  return [
    ...(personalizations.length > 0
      ? personalizations.flatMap(personalizationErrors)
      : [error('personalizations', PERSONALIZATIONS_REQUIRED)]),
    ...(isText(mail.from?.email) ? [] : [error('from.email', FROM_REQUIRED)]),
    ...(isText(mail.subject) || hasTemplate || everyHasSubject ? [] : [error('subject', SUBJECT_REQUIRED)]),
    ...contentErrors(asArray(mail.content), hasTemplate),
    ...(asArray(mail.categories).length > MAX_CATEGORIES
      ? [error('categories', `You may not include more than ${MAX_CATEGORIES} categories per email.`)]
      : []),
  ];
}

function personalizationErrors(personalization: Personalization, index: number): SendGridError[] {
  const missingTo = asArray(personalization?.to).length === 0;
  const duplicate = firstDuplicate(personalization, index);
  return [
    ...(missingTo ? [error(`personalizations.${index}.to`, TO_REQUIRED)] : []),
    ...(duplicate ? [duplicate] : []),
  ];
}

/** SendGrid compares addresses case-insensitively across to, cc and bcc, and names the list of the repeat. */
function firstDuplicate(personalization: Personalization, index: number): SendGridError | undefined {
  const seen = new Set<string>();
  for (const list of RECIPIENT_LISTS) {
    for (const { email } of asArray<{ email?: unknown }>(personalization?.[list])) {
      const key = String(email).toLowerCase();
      if (seen.has(key)) {
        return error(
          `personalizations.${index}`,
          'Each email address in the personalization block should be unique between to, cc, and bcc. We found ' +
            `the first duplicate instance of [${String(email)}] in the personalizations.${index}.${list} field.`,
        );
      }
      seen.add(key);
    }
  }
  return undefined;
}

function contentErrors(content: { type?: unknown; value?: unknown }[], hasTemplate: boolean): SendGridError[] {
  if (content.length === 0) return hasTemplate ? [] : [error('content', CONTENT_REQUIRED)];
  const blank = (part: 'type' | 'value', i: number) =>
    error(`content.${i}.${part}`, `The content ${part} must be a string at least one character in length.`);
  return content.flatMap((item, i) => [
    ...(isText(item?.type) ? [] : [blank('type', i)]),
    ...(isText(item?.value) ? [] : [blank('value', i)]),
  ]);
}
