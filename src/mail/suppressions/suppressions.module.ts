import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { ProviderFeedbackRecorder } from './provider-feedback.recorder';
import { SuppressionStore } from './suppression.store';
import { SuppressionsController } from './suppressions.controller';

export { ProviderFeedback, ProviderFeedbackRecorder } from './provider-feedback.recorder';
export { Suppression, SuppressionStore } from './suppression.store';

/**
 * Addresses mailroute refuses to send to: the list, its admin API, and the recording of providers'
 * reports (bounces and complaints put addresses on the list; every report joins the message's timeline).
 */
@Module({
  imports: [MessagesModule],
  controllers: [SuppressionsController],
  providers: [SuppressionStore, ProviderFeedbackRecorder],
  exports: [SuppressionStore, ProviderFeedbackRecorder],
})
export class SuppressionsModule {}
