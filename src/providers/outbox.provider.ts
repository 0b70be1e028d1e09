import { constants } from 'node:fs';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { OutgoingEmail } from './email-message';
import { EmailProvider, ProviderHealth, SendResult } from './email-provider';
import { PermanentProviderError, TransientProviderError } from './provider.errors';
import { toMimeMessage } from './mime-message';

/**
 * Delivers into a directory as RFC 5322 `.eml` files, one per message: the default when no real provider
 * is configured, so that a new install can be seen working and mail opened in any mail client. A file
 * is the sender's copy, like a Sent folder: it keeps the Bcc header that a real transport would strip.
 */
export class OutboxProvider extends EmailProvider {
  readonly name = 'outbox';
  private readonly composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  constructor(private readonly directory: string) {
    super();
  }

  async send(email: OutgoingEmail): Promise<SendResult> {
    const { message, messageId } = await this.compose(email);
    const file = join(this.directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${email.id}.eml`);
    try {
      await mkdir(this.directory, { recursive: true });
      await writeFile(`${file}.tmp`, message);
      await rename(`${file}.tmp`, file);
    } catch (error) {
      throw new TransientProviderError(`outbox could not write ${file}: ${(error as Error).message}`);
    }
    return { providerMessageId: messageId };
  }

  async check(): Promise<ProviderHealth> {
    try {
      await mkdir(this.directory, { recursive: true });
      await access(this.directory, constants.W_OK);
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: `outbox directory is not writable: ${(error as Error).message}` };
    }
  }

  private async compose(email: OutgoingEmail): Promise<{ message: Buffer; messageId: string }> {
    try {
      const info = await this.composer.sendMail(toMimeMessage(email, { 'X-Mailroute-Id': email.id }));
      return { message: info.message as Buffer, messageId: info.messageId };
    } catch (error) {
      throw new PermanentProviderError(`message could not be composed: ${(error as Error).message}`);
    }
  }
}
