import { OnApplicationShutdown } from '@nestjs/common';
import { Transporter, createTransport } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { OutgoingEmail } from './email-message';
import { AdapterTimings, EmailProvider, ProviderHealth, SendResult } from './email-provider';
import { toMimeMessage } from './mime-message';
import { ProviderHealthCache } from './provider-health.cache';
import { PermanentProviderError, ProviderError, TransientProviderError, withoutSecrets } from './provider.errors';

export interface SmtpSettings {
  /** smtps://user:pass@host:465 (TLS from the start) or smtp://user:pass@host:587 (STARTTLS when offered). */
  url: string;
  poolSize: number;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

/** Commands whose 5xx answer is about this message (its sender, a recipient, its content), not the server. */
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/** Any SMTP server through nodemailer, with pooled connections. */
export class SmtpProvider extends EmailProvider implements OnApplicationShutdown {
  readonly name = 'smtp';
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;
  private readonly health: ProviderHealthCache;
  private readonly secrets: string[];

  constructor(settings: SmtpSettings, timings: AdapterTimings) {
    super();
    this.transport = createTransport({
      url: settings.url,
      pool: true,
      maxConnections: settings.poolSize,
      connectionTimeout: timings.sendTimeoutMs,
      greetingTimeout: timings.sendTimeoutMs,
      socketTimeout: timings.sendTimeoutMs,
    } as SMTPPool.Options);
    this.secrets = credentialsOf(settings.url);
    this.health = new ProviderHealthCache(timings.checkIntervalMs, () => this.probe());
  }

  async send(email: OutgoingEmail): Promise<SendResult> {
    try {
      const info = await this.transport.sendMail(toMimeMessage(email));
      const rejected = (info.rejected ?? []).map(String);
      return {
        providerMessageId: info.messageId,
        response: rejected.length ? `${info.response} (refused: ${rejected.join(', ')})` : info.response,
      };
    } catch (error) {
      throw this.classify(error as SmtpError);
    }
  }

  check(): Promise<ProviderHealth> {
    return this.health.current();
  }

  /** Nest calls this on every adapter it built, once, at shutdown. */
  onApplicationShutdown(): void {
    this.transport.close();
  }

  /** Connects, greets and authenticates without sending. */
  private async probe(): Promise<ProviderHealth> {
    try {
      await this.transport.verify();
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: this.classify(error as SmtpError).message };
    }
  }

  private classify(error: SmtpError): ProviderError {
    const text = withoutSecrets(`smtp: ${error.response ?? error.message}`, this.secrets);
    if (error.code === 'EAUTH') {
      this.health.markDown(text);
      return new TransientProviderError(text);
    }
    const refusedMessage =
      (error.responseCode ?? 0) >= 500 && (MESSAGE_COMMANDS.has(error.command ?? '') || error.code === 'EENVELOPE');
    return refusedMessage ? new PermanentProviderError(text) : new TransientProviderError(text);
  }
}

function credentialsOf(url: string): string[] {
  try {
    const { username, password } = new URL(url);
    return [username, password, decodeURIComponent(password)].filter(Boolean);
  } catch {
    return [];
  }
}
