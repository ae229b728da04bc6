import { Module } from '@nestjs/common';
import { SecretBox } from './webhooks/secret-box';
import { WebhookDeliveryStore } from './webhooks/webhook-delivery.store';
import { WebhookEndpointStore } from './webhooks/webhook-endpoint.store';

/** The webhook read models and the secret box, shared by the API and the workers. */
@Module({
  providers: [SecretBox, WebhookEndpointStore, WebhookDeliveryStore],
  exports: [SecretBox, WebhookEndpointStore, WebhookDeliveryStore],
})
export class NotificationsModule {}
