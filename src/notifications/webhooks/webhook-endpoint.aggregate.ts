import type { Aggregate } from '../../commands/aggregate';
import type { WebhookEndpointCommand } from '../domain/webhook-endpoint.commands';
import { webhookEndpointDecider } from '../domain/webhook-endpoint.decider';
import { WEBHOOK_ENDPOINT_STREAM_TYPE, webhookEndpointStreamId, type WebhookEndpointEvent } from '../domain/webhook-endpoint.events';
import type { WebhookEndpointState } from '../domain/webhook-endpoint.state';
import type { WebhookEndpointView } from './webhook-endpoint-view';
import { webhookEndpointProjection } from './webhook-endpoint.projection';

/** A webhook endpoint (`webhook-endpoint-<uuid>`): who registered, rotated, disabled or deleted it is its history. */
export const webhookEndpoints: Aggregate<WebhookEndpointState, WebhookEndpointCommand, WebhookEndpointEvent, WebhookEndpointView> = {
  streamType: WEBHOOK_ENDPOINT_STREAM_TYPE,
  streamId: webhookEndpointStreamId,
  decider: webhookEndpointDecider,
  projection: webhookEndpointProjection,
};
