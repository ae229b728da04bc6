import type { DomainError, FieldProblem } from '@app/event-store/decider';
import type { CommandContext, RegisterWebhookEndpoint, WebhookEndpointCommand } from './webhook-endpoint.commands';
import { WebhookErrors } from './webhook-endpoint.errors';
import type { WebhookEndpointEvent } from './webhook-endpoint.events';
import type { RegisteredEndpoint, WebhookEndpointState } from './webhook-endpoint.state';
import { scopeCountry, typesForScope } from './webhook-types';

type Decision = readonly WebhookEndpointEvent[] | DomainError;

/** The receiver's 410 comes through the delivery worker, which acts as `system`. */
const DISABLERS: readonly string[] = ['system', 'admin'];

export function decideWebhookEndpoint(command: WebhookEndpointCommand, state: WebhookEndpointState): Decision {
  if (command.type === 'RegisterWebhookEndpoint') return register(command, state);
  if (state.status === 'none' || state.status === 'deleted') return WebhookErrors.notFound();
  const at = command.context.now.toISOString();
  const by = command.context.actor.sub;
  if (command.type === 'DisableWebhookEndpoint') {
    if (!DISABLERS.includes(command.context.actor.role)) return WebhookErrors.notPermitted(command.context.actor.role);
    return state.status === 'disabled' ? [] : [{ type: 'WebhookEndpointDisabled', data: { endpointId: state.endpointId, reason: command.data.reason, disabledAt: at } }];
  }
  const refusal = manages(command.context, state);
  if (refusal) return refusal;
  switch (command.type) {
    case 'DeleteWebhookEndpoint':
      return [{ type: 'WebhookEndpointDeleted', data: { endpointId: state.endpointId, deletedBy: by, deletedAt: at } }];
    case 'RotateWebhookSecret': {
      const previousValidUntil = new Date(command.context.now.getTime() + command.data.overlapMs).toISOString();
      return [{ type: 'WebhookSecretRotated', data: { endpointId: state.endpointId, sealedSecret: command.data.sealedSecret, previousValidUntil, rotatedBy: by, rotatedAt: at } }];
    }
    case 'RequestWebhookTest':
      if (state.status === 'disabled') return WebhookErrors.disabled();
      return [{ type: 'WebhookTestRequested', data: { endpointId: state.endpointId, deliveryId: command.data.deliveryId, requestedBy: by, requestedAt: at } }];
    case 'RetryWebhookDelivery':
      if (state.status === 'disabled') return WebhookErrors.disabled();
      return [{ type: 'WebhookDeliveryRetryRequested', data: { endpointId: state.endpointId, deliveryId: command.data.deliveryId, requestedBy: by, requestedAt: at } }];
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}

/** An admin manages every endpoint; a partner only its own country's (another country's is not found). */
function manages(context: CommandContext, state: RegisteredEndpoint): DomainError | undefined {
  const { actor } = context;
  if (actor.role === 'admin') return undefined;
  if (actor.role !== 'partner') return WebhookErrors.notPermitted(actor.role);
  return scopeCountry(state.scope) === actor.country ? undefined : WebhookErrors.notFound();
}

const MAX_DESCRIPTION = 500;

function register(command: RegisterWebhookEndpoint, state: WebhookEndpointState): Decision {
  const { actor } = command.context;
  const { data } = command;
  if (actor.role !== 'admin' && actor.role !== 'partner') return WebhookErrors.notPermitted(actor.role);
  if (state.status !== 'none') return WebhookErrors.alreadyRegistered();
  const problems: FieldProblem[] = [];
  if (actor.role === 'partner' && scopeCountry(data.scope) !== actor.country) {
    problems.push({ field: 'scope', message: `a partner may register endpoints for its own country only (country:${actor.country ?? '?'})` });
  }
  const allowed = typesForScope(data.scope);
  const events = data.events ?? allowed;
  if (data.events !== undefined) {
    if (data.events.length === 0) problems.push({ field: 'events', message: 'events must list at least one type (omit it to receive every type)' });
    const unknown = data.events.filter((type) => !(allowed as readonly string[]).includes(type));
    if (unknown.length > 0) problems.push({ field: 'events', message: `not types this scope may receive: ${unknown.join(', ')}` });
  }
  if (data.description !== null && data.description.length > MAX_DESCRIPTION) {
    problems.push({ field: 'description', message: `description must be at most ${MAX_DESCRIPTION} characters` });
  }
  if (problems.length > 0) return WebhookErrors.invalid(problems);
  return [
    {
      type: 'WebhookEndpointRegistered',
      data: {
        endpointId: data.endpointId,
        scope: data.scope,
        url: data.url,
        events: [...new Set(events)],
        description: data.description,
        sealedSecret: data.sealedSecret,
        registeredBy: actor.sub,
        registeredAt: command.context.now.toISOString(),
      },
    },
  ];
}
