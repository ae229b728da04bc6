import type { SealedSecret } from '../domain/webhook-endpoint.state';
import type { WebhookScope } from '../domain/webhook-types';

/** An endpoint as the read model keeps it; `secrets` never leave the service (see toPublicEndpoint). */
export interface WebhookEndpointView {
  readonly id: string;
  readonly scope: WebhookScope;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string | null;
  readonly status: 'active' | 'disabled' | 'deleted';
  readonly secrets: readonly SealedSecret[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The endpoint in API answers (`GET /v1/webhooks/:id`). */
export interface PublicWebhookEndpoint {
  readonly id: string;
  readonly scope: WebhookScope;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string | null;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
}

export function toPublicEndpoint(view: WebhookEndpointView): PublicWebhookEndpoint {
  return {
    id: view.id,
    scope: view.scope,
    url: view.url,
    events: view.events,
    description: view.description,
    status: view.status === 'disabled' ? 'disabled' : 'active',
    createdAt: view.createdAt,
  };
}
