import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { ExecuteCommand } from '../../../commands/execute-command.command';
import { Clock } from '../../../common/clock';
import { decodeCursor, encodeCursor } from '../../../common/cursor';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { DEFAULT_PAGE_SIZE } from '../../../common/page-query.dto';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { CurrentRequestMeta, type RequestMeta } from '../../../common/request-meta';
import type { WebhookEndpointCommand } from '../../domain/webhook-endpoint.commands';
import { webhookEndpoints } from '../webhook-endpoint.aggregate';
import { WebhookDeliveryStore, type DeliveryPosition, type DeliveryView } from '../webhook-delivery.store';
import { WebhookEndpointStore } from '../webhook-endpoint.store';
import { DeliveryListDto, ListDeliveriesDto } from './webhook.dto';
import { visibleTo, webhookNotFound, WebhookId, WebhookProblems } from './webhook-http';

/** Delivery ids are `msg_` and letters or digits; anything else names no delivery. */
const DELIVERY_ID = /^msg_[A-Za-z0-9]{1,64}$/;

function deliveryNotFound(deliveryId: string): ProblemException {
  return new ProblemException(problem(404, 'webhook.delivery_not_found', `delivery ${JSON.stringify(deliveryId)} does not exist for this endpoint`));
}

function isDeliveryCursor(value: unknown): value is DeliveryPosition {
  const v = value as Partial<DeliveryPosition> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && DELIVERY_ID.test(v.id) && typeof v.createdUs === 'string' && /^\d{1,17}$/.test(v.createdUs);
}

/** The delivery log of an endpoint, and a fresh series of attempts for a failed delivery. */
@ApiTags('webhooks')
@Controller('v1/webhooks/:id/deliveries')
export class WebhookDeliveriesController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
    private readonly clock: Clock,
    private readonly endpoints: WebhookEndpointStore,
    private readonly deliveries: WebhookDeliveryStore,
  ) {}

  @Get()
  @Roles('partner', 'admin')
  @WebhookProblems()
  @ApiOkResponse({ type: DeliveryListDto, description: 'newest first' })
  async list(@WebhookId() id: string, @Query() query: ListDeliveriesDto, @CurrentActor() actor: Actor): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    if (!visibleTo(actor, await this.endpoints.findById(id))) throw webhookNotFound(id);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isDeliveryCursor);
    const items = await this.deliveries.list(id, query.status, limit + 1, before);
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map((item) => item.view), nextCursor: items.length > limit && last ? encodeCursor(last.position) : null };
  }

  @Post(':deliveryId/retry')
  @HttpCode(202)
  @Roles('partner', 'admin')
  @WebhookProblems()
  @ApiParam({ name: 'deliveryId', description: 'the delivery (its webhook-id, msg_…)' })
  @ApiAcceptedResponse({
    description: 'a fresh series of attempts, with the same webhook-id',
    schema: { type: 'object', required: ['deliveryId'], properties: { deliveryId: { type: 'string' } } },
  })
  @ApiConflictResponse({ description: 'the delivery is not failed (problem+json)' })
  async retry(
    @WebhookId() id: string,
    @Param('deliveryId') deliveryId: string,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
  ): Promise<unknown> {
    if (!visibleTo(actor, await this.endpoints.findById(id))) throw webhookNotFound(id);
    if (!DELIVERY_ID.test(deliveryId)) throw deliveryNotFound(deliveryId.slice(0, 80));
    const result = await this.idempotent.run(request, actor, `POST /v1/webhooks/${id}/deliveries/${deliveryId}/retry`, 202, async (idempotency) => {
      const delivery = await this.deliveries.view(id, deliveryId);
      if (delivery === undefined) throw deliveryNotFound(deliveryId);
      if (delivery.status !== 'failed') {
        throw new ProblemException(problem(409, 'webhook.delivery_not_failed', `delivery ${deliveryId} is ${delivery.status}; only a failed delivery can be retried`));
      }
      const command: WebhookEndpointCommand = { type: 'RetryWebhookDelivery', data: { deliveryId }, context: { actor, now: this.clock.now() } };
      await this.commandBus.execute(ExecuteCommand.on(webhookEndpoints, id, command, { trace: meta, idempotency }));
      return { deliveryId };
    });
    return result.body;
  }
}
