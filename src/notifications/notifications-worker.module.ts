import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { QueuesModule } from '../queues/queues.module';
import { OfficerAlerts } from './alerts/officer-alerts';
import { SendAlertProcessor } from './alerts/send-alert.processor';
import { DeliverWebhookProcessor } from './delivery/deliver-webhook.processor';
import { DeliveryMetrics } from './delivery/delivery-metrics';
import { WebhookSender } from './delivery/webhook-sender';
import { NotificationFanOut } from './fan-out/notification-fan-out.service';
import { AlertMailStore } from './mail/alert-mail.store';
import { SendAlertMailProcessor } from './mail/send-alert-mail.processor';
import { NotificationsModule } from './notifications.module';

/** The worker side of notifications: the officers' alerts, the fan-out from the event log, webhook delivery and alert e-mail. */
@Module({
  imports: [NotificationsModule, QueuesModule, MetricsModule],
  providers: [OfficerAlerts, SendAlertProcessor, NotificationFanOut, WebhookSender, DeliveryMetrics, AlertMailStore, DeliverWebhookProcessor, SendAlertMailProcessor],
  exports: [NotificationFanOut, SendAlertProcessor, DeliverWebhookProcessor, SendAlertMailProcessor],
})
export class NotificationsWorkerModule {}
