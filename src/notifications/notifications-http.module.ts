import { Module } from '@nestjs/common';
import { NotificationsModule } from './notifications.module';
import { WebhookDeliveriesController } from './webhooks/http/webhook-deliveries.controller';
import { WebhooksController } from './webhooks/http/webhooks.controller';

/** The webhook HTTP API (api role). */
@Module({
  imports: [NotificationsModule],
  controllers: [WebhooksController, WebhookDeliveriesController],
})
export class NotificationsHttpModule {}
