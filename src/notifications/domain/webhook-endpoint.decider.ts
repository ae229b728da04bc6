import type { Decider } from '@app/event-store/decider';
import type { WebhookEndpointCommand } from './webhook-endpoint.commands';
import { decideWebhookEndpoint } from './webhook-endpoint.decide';
import type { WebhookEndpointEvent } from './webhook-endpoint.events';
import { evolveWebhookEndpoint } from './webhook-endpoint.evolve';
import { initialWebhookEndpointState, type WebhookEndpointState } from './webhook-endpoint.state';

export const webhookEndpointDecider: Decider<WebhookEndpointState, WebhookEndpointCommand, WebhookEndpointEvent> = {
  initialState: initialWebhookEndpointState,
  evolve: evolveWebhookEndpoint,
  decide: decideWebhookEndpoint,
};
