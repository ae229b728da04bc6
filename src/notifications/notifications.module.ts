import { Module } from '@nestjs/common';
import { OfficerAlerts } from './alerts/officer-alerts';
import { SecretBox } from './webhooks/secret-box';
import { WebhookDeliveryStore } from './webhooks/webhook-delivery.store';
import { WebhookEndpointStore } from './webhooks/webhook-endpoint.store';

/** The webhook read models, the secret box and the officers' alerts outbox, shared by the API and the workers. */
@Module({
  providers: [SecretBox, WebhookEndpointStore, WebhookDeliveryStore, OfficerAlerts],
  exports: [SecretBox, WebhookEndpointStore, WebhookDeliveryStore, OfficerAlerts],
})
export class NotificationsModule {}
