import type { WebhookScope } from './webhook-types';

/** A sealed signing secret; `validUntil` is set on the previous secret during a rotation's overlap. */
export interface SealedSecret {
  readonly sealed: string;
  readonly validUntil: string | null;
}

export interface NoEndpoint {
  readonly status: 'none';
}

export interface RegisteredEndpoint {
  readonly status: 'active' | 'disabled' | 'deleted';
  readonly endpointId: string;
  readonly scope: WebhookScope;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string | null;
  /** The current secret first. */
  readonly secrets: readonly SealedSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type WebhookEndpointState = NoEndpoint | RegisteredEndpoint;

export const initialWebhookEndpointState = (): WebhookEndpointState => ({ status: 'none' });
