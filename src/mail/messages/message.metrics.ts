import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../metrics/metrics.module';
import { Attempt, ErrorDetail } from './email-record';

/** Why a message ended failed: a provider refused it, rounds ran out, or Bull gave up on its job. */
export type FailureReason = 'rejected' | 'exhausted' | 'abandoned';

/** The message-level series: what was accepted, how each attempt went, how each message ended. */
@Injectable()
export class MessageMetrics {
  private readonly accepted: Counter;
  private readonly sent: Counter<'provider'>;
  private readonly failed: Counter<'provider' | 'reason' | 'error_type'>;
  private readonly attempts: Counter<'provider' | 'outcome'>;
  private readonly sendSeconds: Histogram<'provider' | 'outcome'>;

  constructor(metrics: MetricsRegistry) {
    this.accepted = metrics.counter({ name: 'mailroute_messages_accepted_total', help: 'Messages stored and queued (202)' });
    this.sent = metrics.counter({
      name: 'mailroute_messages_sent_total',
      help: 'Messages a provider accepted, by that provider',
      labelNames: ['provider'],
    });
    this.failed = metrics.counter({
      name: 'mailroute_messages_failed_total',
      help:
        'Messages that ended failed, by the last provider tried ("none" when none was), reason (rejected, ' +
        'exhausted, abandoned) and error type',
      labelNames: ['provider', 'reason', 'error_type'],
    });
    this.attempts = metrics.counter({
      name: 'mailroute_send_attempts_total',
      help: 'Calls to a provider by provider and outcome (sent, transient, permanent)',
      labelNames: ['provider', 'outcome'],
    });
    this.sendSeconds = metrics.histogram({
      name: 'mailroute_send_duration_seconds',
      help: 'How long a provider took to answer a send, by provider and outcome',
      labelNames: ['provider', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
  }

  messagesAccepted(count: number): void {
    this.accepted.inc(count);
  }

  attempt({ provider, outcome, error, durationMs }: Attempt): void {
    const labels = { provider, outcome: outcome === 'sent' ? 'sent' : (error?.type ?? 'transient') };
    this.attempts.inc(labels);
    this.sendSeconds.observe(labels, durationMs / 1000);
  }

  messageSent(provider: string): void {
    this.sent.inc({ provider });
  }

  messageFailed(reason: FailureReason, error: ErrorDetail, provider = 'none'): void {
    this.failed.inc({ provider, reason, error_type: error.type });
  }
}
