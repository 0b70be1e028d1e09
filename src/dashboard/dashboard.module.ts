import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MAIL_QUEUE } from '../mail/messages/messages.module';
import { WEBHOOK_QUEUE } from '../webhooks/webhooks.module';
import { AdminKeyMiddleware } from './admin-key.middleware';
import { RedisReachableMiddleware } from './redis-reachable.middleware';

/** Where bull-board is served; the queue depth API (src/queue-status) points to it. */
export const DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board for operators at /admin/queues: the mail and webhook queues with their counts and jobs,
 * with retry, clean and the other write actions. It is Express middleware, not a controller, so it stays
 * out of the OpenAPI document; AdminKeyMiddleware runs before it on every path, assets and API included,
 * then RedisReachableMiddleware, so that a Redis outage is a prompt 503 rather than a page that hangs.
 */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      imports: [AuthModule],
      useFactory: () => ({
        route: DASHBOARD_PATH,
        adapter: ExpressAdapter,
        middleware: [AdminKeyMiddleware, RedisReachableMiddleware],
        boardOptions: { uiConfig: { boardTitle: 'mailroute queues' } },
      }),
    }),
    BullBoardModule.forFeature(
      { name: MAIL_QUEUE, adapter: BullAdapter },
      { name: WEBHOOK_QUEUE, adapter: BullAdapter },
    ),
  ],
})
export class DashboardModule {}
