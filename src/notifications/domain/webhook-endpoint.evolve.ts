import type { WebhookEndpointEvent } from './webhook-endpoint.events';
import type { WebhookEndpointState } from './webhook-endpoint.state';

export function evolveWebhookEndpoint(state: WebhookEndpointState, event: WebhookEndpointEvent): WebhookEndpointState {
  switch (event.type) {
    case 'WebhookEndpointRegistered': {
      const d = event.data;
      return {
        status: 'active',
        endpointId: d.endpointId,
        scope: d.scope,
        url: d.url,
        events: d.events,
        description: d.description,
        secrets: [{ sealed: d.sealedSecret, validUntil: null }],
        createdAt: d.registeredAt,
        updatedAt: d.registeredAt,
      };
    }
    case 'WebhookSecretRotated': {
      if (state.status === 'none') return state;
      const current = state.secrets[0];
      const secrets = [{ sealed: event.data.sealedSecret, validUntil: null }, ...(current ? [{ sealed: current.sealed, validUntil: event.data.previousValidUntil }] : [])];
      return { ...state, secrets, updatedAt: event.data.rotatedAt };
    }
    case 'WebhookEndpointDeleted':
      return state.status === 'none' ? state : { ...state, status: 'deleted', updatedAt: event.data.deletedAt };
    case 'WebhookEndpointDisabled':
      return state.status === 'none' ? state : { ...state, status: 'disabled', updatedAt: event.data.disabledAt };
    case 'WebhookTestRequested':
    case 'WebhookDeliveryRetryRequested':
      return state;
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}
