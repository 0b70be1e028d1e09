import busboy from 'busboy';
import { randomBytes } from 'node:crypto';
import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { FakeProviderServer, FakeReply, FakeRoute, jsonReply, reasonPhrase, textReply } from './fake-http-answer';
import { watchSecret } from './secret-watch';

/** One authenticated POST /v3/{domain}/messages, as the fake received it. */
export interface MailgunRequest {
  domain: string;
  headers: IncomingHttpHeaders;
  /** Every form field with all its values in order (to, cc, bcc, o:tag, h:…, v:… repeat). */
  fields: Record<string, string[]>;
  /** File parts (`attachment`, `inline`) by field name, with their bytes. */
  files: Record<string, MailgunFile[]>;
}

export interface MailgunFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

const MAX_TAGS = 3;
/** Mailgun's own limit on one message, so a big html part is not cut at busboy's 1 MB default. */
const MAX_FIELD_BYTES = 25 * 1024 * 1024;
const SEND_PATH = /^\/v3\/([^/]+)\/messages$/;
const DOMAIN_PATH = /^\/v4\/domains\/([^/?]+)(?:\?.*)?$/;

/**
 * Mailgun's API as mailgun.js sees it: POST /v3/{domain}/messages (multipart form) and
 * GET /v4/domains/{domain} (what `client.domains.get()` calls) as a credential check, both behind
 * HTTP Basic `api:<apiKey>`.
 */
export class FakeMailgun extends FakeProviderServer<MailgunRequest> {
  private constructor(
    apiKey: string,
    readonly domain: string,
  ) {
    super(apiKey);
  }

  static async start({
    apiKey = 'key-test',
    domain = 'mg.example.com',
  }: { apiKey?: string; domain?: string } = {}): Promise<FakeMailgun> {
    const fake = new FakeMailgun(apiKey, domain);
    watchSecret(apiKey);
    await fake.listen();
    return fake;
  }

  protected async route(req: IncomingMessage, body: Buffer): Promise<FakeRoute<MailgunRequest>> {
    if (req.headers.authorization !== basicAuth(this.apiKey)) return { reply: this.errorReply(401) };
    const url = req.url ?? '';
    const lookup = req.method === 'GET' ? DOMAIN_PATH.exec(url) : null;
    if (lookup) return { reply: this.unlessDown(this.domainInfo(decodeURIComponent(lookup[1]))) };
    const send = req.method === 'POST' ? SEND_PATH.exec(url) : null;
    if (!send) return { reply: this.errorReply(404) };
    const domain = decodeURIComponent(send[1]);
    const { fields, files } = await parseForm(req.headers, body);
    return { send: { domain, headers: req.headers, fields, files }, rejection: this.rejection(domain, fields) };
  }

  protected accepted({ domain }: MailgunRequest): FakeReply {
    return jsonReply(200, { id: `<${messageIdStamp()}@${domain}>`, message: 'Queued. Thank you.' });
  }

  protected errorReply(status: number): FakeReply {
    // Mailgun refuses bad credentials in plain text, everything else as JSON.
    return status === 401 ? textReply(401, 'Forbidden') : jsonReply(status, { message: reasonPhrase(status) });
  }

  /** Mailgun's checks on a send, first failure only, in the order it makes them. */
  private rejection(domain: string, fields: Record<string, string[]>): FakeReply | undefined {
    const refuse = (message: string) => jsonReply(400, { message });
    if (domain !== this.domain) return jsonReply(404, { message: `Domain not found: ${domain}` });
    if (!fields.from?.length) return refuse("'from' parameter is missing");
    if (!fields.to?.length) return refuse("'to' parameter is missing");
    if (!fields.text && !fields.html && !fields.template) {
      return refuse("Need at least one of 'text', 'html' or 'template' parameters specified");
    }
    if ((fields['o:tag']?.length ?? 0) > MAX_TAGS) return refuse('Too many tags');
    return undefined;
  }

  private domainInfo(name: string): FakeReply {
    if (name !== this.domain) return jsonReply(404, { message: 'Domain not found' });
    return jsonReply(200, {
      domain: {
        created_at: 'Mon, 02 Nov 2026 10:15:30 GMT',
        id: '6561f2a0c3b1f0b4e8d1a2b3',
        is_disabled: false,
        name,
        require_tls: false,
        skip_verification: false,
        smtp_login: `postmaster@${name}`,
        spam_action: 'disabled',
        state: 'active',
        type: 'custom',
        use_automatic_sender_security: true,
        web_prefix: 'email',
        web_scheme: 'https',
        wildcard: false,
      },
      receiving_dns_records: [],
      sending_dns_records: [],
    });
  }
}

const basicAuth = (apiKey: string) => `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;

/** Mailgun ids look like 20261123101530.1.ABCDEF0123456789; only uniqueness matters here. */
let sequence = 0;
function messageIdStamp(): string {
  const time = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  sequence += 1;
  return `${time}.${sequence}.${randomBytes(8).toString('hex').toUpperCase()}`;
}

/** Multipart or urlencoded, as Mailgun takes both; a body it cannot decode simply has no parameters. */
function parseForm(
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<Pick<MailgunRequest, 'fields' | 'files'>> {
  const parsed: Pick<MailgunRequest, 'fields' | 'files'> = { fields: {}, files: {} };
  let form: busboy.Busboy;
  try {
    form = busboy({ headers, limits: { fieldSize: MAX_FIELD_BYTES } });
  } catch {
    return Promise.resolve(parsed);
  }
  return new Promise((resolve, reject) => {
    form.on('field', (name, value) => (parsed.fields[name] ??= []).push(value));
    form.on('file', (name, file, { filename, mimeType }) => {
      const chunks: Buffer[] = [];
      file.on('data', (chunk: Buffer) => chunks.push(chunk));
      file.on('end', () =>
        (parsed.files[name] ??= []).push({ filename: filename ?? '', contentType: mimeType, data: Buffer.concat(chunks) }),
      );
    });
    form.on('close', () => resolve(parsed));
    form.on('error', reject);
    form.end(body);
  });
}
