import { Param, ParseUUIDPipe } from '@nestjs/common';
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiParam } from '@nestjs/swagger';
import type { Actor } from '../../../auth/actor';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { scopeCountry } from '../../domain/webhook-types';
import type { WebhookEndpointView } from '../webhook-endpoint-view';

export function webhookNotFound(id: string): ProblemException {
  return new ProblemException(problem(404, 'webhook.not_found', `webhook endpoint ${id} does not exist or is not visible to you`));
}

/** `:id` must be a UUID; anything else cannot name an endpoint. */
export const WebhookId = () => Param('id', new ParseUUIDPipe({ exceptionFactory: () => webhookNotFound('with this id') }));

/** An admin sees every endpoint; a partner its own country's; nobody a deleted one. */
export function visibleTo(actor: Actor, view: WebhookEndpointView | undefined): view is WebhookEndpointView {
  if (view === undefined || view.status === 'deleted') return false;
  return actor.role === 'admin' || (actor.role === 'partner' && scopeCountry(view.scope) === actor.country);
}

/** The problem answers every webhook route may give, for the OpenAPI description. */
export const WebhookProblems = (options: { readonly id?: boolean } = {}) =>
  applyDecorators(
    ...(options.id === false ? [] : [ApiParam({ name: 'id', format: 'uuid', description: 'the endpoint id' }), ApiNotFoundResponse({ description: 'unknown, deleted or another country’s endpoint (problem+json)' })]),
    ApiBadRequestResponse({ description: 'invalid input (problem+json naming the field)' }),
    ApiForbiddenResponse({ description: 'officers and auditors may not manage webhooks (problem+json)' }),
  );
