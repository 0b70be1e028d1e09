import { Module } from '@nestjs/common';
import { RoutingModule } from '../../routing/routing.module';
import { MessagesModule } from '../messages/messages.module';
import { DeliveryService } from './delivery.service';
import { MailProcessor } from './mail.processor';
import { OrphanSweep } from './orphan.sweep';

/**
 * Delivering queued messages, in worker processes: the Bull processor runs each job as one round of
 * DeliveryService; the sweep fails messages whose job was removed.
 */
@Module({
  imports: [MessagesModule, RoutingModule],
  providers: [MailProcessor, DeliveryService, OrphanSweep],
})
export class DeliveryModule {}
