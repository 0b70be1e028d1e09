import { Injectable } from '@nestjs/common';
import { MessageStore } from '../messages/messages.module';
import { SuppressionStore } from './suppression.store';

/** What a provider's event webhook said about one recipient of one message. */
export interface ProviderFeedback {
  provider: string;
  /** mailroute's id, as the provider echoes it back (SendGrid custom_args, Mailgun user-variables). */
  emailId?: string;
  recipient: string;
  type: 'delivered' | 'bounced' | 'complained';
  /** For bounces: the address itself is bad (hard), rather than the mailbox for now (soft). */
  permanent: boolean;
  detail?: string;
}

/**
 * Adds a provider's report to the message's timeline (and so to the outgoing webhooks), and puts
 * addresses that hard-bounced or complained on the suppression list.
 */
@Injectable()
export class ProviderFeedbackRecorder {
  constructor(
    private readonly store: MessageStore,
    private readonly suppressions: SuppressionStore,
  ) {}

  async record(feedback: ProviderFeedback): Promise<void> {
    const detail = [feedback.recipient, feedback.detail].filter(Boolean).join(': ');
    if (feedback.emailId) await this.store.appendEvent(feedback.emailId, feedback.type, { provider: feedback.provider, detail });
    const reason = feedback.type === 'complained' ? 'complaint' : feedback.type === 'bounced' && feedback.permanent ? 'hard_bounce' : undefined;
    if (reason) {
      await this.suppressions.add({ email: feedback.recipient, reason, source: feedback.provider, detail: feedback.detail });
    }
  }
}
