import type { DomainEvent } from '@app/event-store/decider';
import type { WebhookScope } from './webhook-types';

export const WEBHOOK_ENDPOINT_STREAM_TYPE = 'webhook-endpoint';

export function webhookEndpointStreamId(endpointId: string): string {
  return `${WEBHOOK_ENDPOINT_STREAM_TYPE}-${endpointId}`;
}

/**
 * An endpoint registered. `sealedSecret` is the signing secret encrypted under the service's
 * key (AES-256-GCM): the secret itself never enters the log.
 */
export type WebhookEndpointRegistered = DomainEvent<
  'WebhookEndpointRegistered',
  {
    readonly endpointId: string;
    readonly scope: WebhookScope;
    readonly url: string;
    readonly events: readonly string[];
    readonly description: string | null;
    readonly sealedSecret: string;
    readonly registeredBy: string;
    readonly registeredAt: string;
  }
>;

/** A new signing secret; the previous one keeps signing alongside it until `previousValidUntil`. */
export type WebhookSecretRotated = DomainEvent<
  'WebhookSecretRotated',
  {
    readonly endpointId: string;
    readonly sealedSecret: string;
    readonly previousValidUntil: string;
    readonly rotatedBy: string;
    readonly rotatedAt: string;
  }
>;

export type WebhookEndpointDeleted = DomainEvent<'WebhookEndpointDeleted', { readonly endpointId: string; readonly deletedBy: string; readonly deletedAt: string }>;

/** The receiver answered 410 Gone: nothing more is sent to it. */
export type WebhookEndpointDisabled = DomainEvent<'WebhookEndpointDisabled', { readonly endpointId: string; readonly reason: string; readonly disabledAt: string }>;

/** A `webhook.test` message was asked for; the notification relay delivers it as `deliveryId`. */
export type WebhookTestRequested = DomainEvent<
  'WebhookTestRequested',
  { readonly endpointId: string; readonly deliveryId: string; readonly requestedBy: string; readonly requestedAt: string }
>;

/** A failed delivery gets a fresh series of attempts (same webhook-id). */
export type WebhookDeliveryRetryRequested = DomainEvent<
  'WebhookDeliveryRetryRequested',
  { readonly endpointId: string; readonly deliveryId: string; readonly requestedBy: string; readonly requestedAt: string }
>;

export type WebhookEndpointEvent =
  | WebhookEndpointRegistered
  | WebhookSecretRotated
  | WebhookEndpointDeleted
  | WebhookEndpointDisabled
  | WebhookTestRequested
  | WebhookDeliveryRetryRequested;
