import type { CommandContext } from '../../kernel/command-context';
import type { WebhookScope } from './webhook-types';

export type { CommandContext };

export interface RegisterWebhookEndpoint {
  readonly type: 'RegisterWebhookEndpoint';
  readonly data: {
    readonly endpointId: string;
    readonly scope: WebhookScope;
    readonly url: string;
    /** Omitted: every type the scope may receive. */
    readonly events: readonly string[] | undefined;
    readonly description: string | null;
    readonly sealedSecret: string;
  };
  readonly context: CommandContext;
}

export interface RotateWebhookSecret {
  readonly type: 'RotateWebhookSecret';
  readonly data: { readonly sealedSecret: string; readonly overlapMs: number };
  readonly context: CommandContext;
}

export interface DeleteWebhookEndpoint {
  readonly type: 'DeleteWebhookEndpoint';
  readonly context: CommandContext;
}

export interface DisableWebhookEndpoint {
  readonly type: 'DisableWebhookEndpoint';
  readonly data: { readonly reason: string };
  readonly context: CommandContext;
}

export interface RequestWebhookTest {
  readonly type: 'RequestWebhookTest';
  readonly data: { readonly deliveryId: string };
  readonly context: CommandContext;
}

export interface RetryWebhookDelivery {
  readonly type: 'RetryWebhookDelivery';
  readonly data: { readonly deliveryId: string };
  readonly context: CommandContext;
}

export type WebhookEndpointCommand =
  | RegisterWebhookEndpoint
  | RotateWebhookSecret
  | DeleteWebhookEndpoint
  | DisableWebhookEndpoint
  | RequestWebhookTest
  | RetryWebhookDelivery;
