import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { LOCATION_HEADER } from '../../../http/api-docs';
import { ExecuteCommand } from '../../../commands/execute-command.command';
import { Clock } from '../../../common/clock';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { IdGenerator } from '../../../common/ids';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { CurrentRequestMeta, type RequestMeta } from '../../../common/request-meta';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import type { WebhookEndpointCommand } from '../../domain/webhook-endpoint.commands';
import { parseScope, type WebhookScope } from '../../domain/webhook-types';
import { SecretBox } from '../secret-box';
import { refusalOfUrl } from '../target-address';
import { toPublicEndpoint, type WebhookEndpointView } from '../webhook-endpoint-view';
import { webhookEndpoints } from '../webhook-endpoint.aggregate';
import { WebhookEndpointStore } from '../webhook-endpoint.store';
import { RegisterWebhookDto, WebhookEndpointDto, WebhookEndpointListDto, WebhookEndpointWithSecretDto } from './webhook.dto';
import { visibleTo, webhookNotFound, WebhookId, WebhookProblems } from './webhook-http';

function badField(field: string, message: string): ProblemException {
  return new ProblemException(problem(400, 'webhook.invalid', message, { errors: [{ field, message }] }));
}

/** Partners' and the fund's webhook endpoints: registration, listing, deletion and secret rotation. */
@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly box: SecretBox,
    private readonly endpoints: WebhookEndpointStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @Roles('partner', 'admin')
  @WebhookProblems({ id: false })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto, description: 'the endpoint and its signing secret (shown only here)', headers: LOCATION_HEADER })
  async register(
    @Body() dto: RegisterWebhookDto,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const scope = this.scopeFor(actor, dto.scope);
    const refusal = await refusalOfUrl(dto.url, this.config.notifications.webhooks);
    if (refusal !== undefined) throw badField('url', refusal);
    const result = await this.idempotent.run(
      request,
      actor,
      'POST /v1/webhooks',
      201,
      async (idempotency) => {
        const endpointId = this.ids.newId();
        const command: WebhookEndpointCommand = {
          type: 'RegisterWebhookEndpoint',
          data: {
            endpointId,
            scope,
            url: new URL(dto.url).toString(),
            events: dto.events ?? undefined,
            description: dto.description ?? null,
            sealedSecret: this.box.seal(endpointId, SecretBox.newSecret()),
          },
          context: { actor, now: this.clock.now() },
        };
        const outcome = await this.commandBus.execute(ExecuteCommand.on(webhookEndpoints, endpointId, command, { trace: meta, idempotency, expectNew: true }));
        return outcome.view;
      },
      { optimistic: true },
    );
    const view = result.body as WebhookEndpointView;
    void reply.status(result.status).header('location', `/v1/webhooks/${view.id}`);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    await reply.send(this.withSecret(view));
  }

  @Get()
  @Roles('partner', 'admin')
  @WebhookProblems({ id: false })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  async list(@CurrentActor() actor: Actor): Promise<WebhookEndpointListDto> {
    const views = await this.endpoints.list(actor.role === 'partner' ? actor.country : undefined);
    return { items: views.map((view) => ({ ...toPublicEndpoint(view), events: [...view.events] })) };
  }

  @Get(':id')
  @Roles('partner', 'admin')
  @WebhookProblems()
  @ApiOkResponse({ type: WebhookEndpointDto })
  async get(@WebhookId() id: string, @CurrentActor() actor: Actor): Promise<WebhookEndpointDto> {
    const view = await this.endpoints.findById(id);
    if (!visibleTo(actor, view)) throw webhookNotFound(id);
    return { ...toPublicEndpoint(view), events: [...view.events] };
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('partner', 'admin')
  @WebhookProblems()
  @ApiNoContentResponse({ description: 'deleted; its pending deliveries stop' })
  async delete(@WebhookId() id: string, @CurrentActor() actor: Actor, @CurrentRequestMeta() meta: RequestMeta): Promise<void> {
    await this.visible(id, actor);
    const command: WebhookEndpointCommand = { type: 'DeleteWebhookEndpoint', context: { actor, now: this.clock.now() } };
    await this.commandBus.execute(ExecuteCommand.on(webhookEndpoints, id, command, { trace: meta }));
  }

  @Post(':id/rotate-secret')
  @Roles('partner', 'admin')
  @WebhookProblems()
  @ApiOkResponse({ type: WebhookEndpointWithSecretDto, description: 'the new secret; the previous one signs beside it for WEBHOOK_SECRET_OVERLAP' })
  async rotate(
    @WebhookId() id: string,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.visible(id, actor);
    const result = await this.idempotent.run(request, actor, `POST /v1/webhooks/${id}/rotate-secret`, 200, async (idempotency) => {
      const command: WebhookEndpointCommand = {
        type: 'RotateWebhookSecret',
        data: { sealedSecret: this.box.seal(id, SecretBox.newSecret()), overlapMs: this.config.notifications.webhooks.secretOverlapMs },
        context: { actor, now: this.clock.now() },
      };
      return (await this.commandBus.execute(ExecuteCommand.on(webhookEndpoints, id, command, { trace: meta, idempotency }))).view;
    });
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    await reply.status(result.status).send(this.withSecret(result.body as WebhookEndpointView));
  }

  @Post(':id/test')
  @HttpCode(202)
  @Roles('partner', 'admin')
  @WebhookProblems()
  @ApiAcceptedResponse({ description: 'a webhook.test message is on its way', schema: { properties: { deliveryId: { type: 'string' } } } })
  async test(@WebhookId() id: string, @CurrentActor() actor: Actor, @CurrentRequestMeta() meta: RequestMeta, @Req() request: FastifyRequest): Promise<unknown> {
    await this.visible(id, actor);
    const result = await this.idempotent.run(request, actor, `POST /v1/webhooks/${id}/test`, 202, async (idempotency) => {
      const deliveryId = `msg_${this.ids.newId().replaceAll('-', '')}`;
      const command: WebhookEndpointCommand = { type: 'RequestWebhookTest', data: { deliveryId }, context: { actor, now: this.clock.now() } };
      await this.commandBus.execute(ExecuteCommand.on(webhookEndpoints, id, command, { trace: meta, idempotency }));
      return { deliveryId };
    });
    return result.body;
  }

  private async visible(id: string, actor: Actor): Promise<WebhookEndpointView> {
    const view = await this.endpoints.findById(id);
    if (!visibleTo(actor, view)) throw webhookNotFound(id);
    return view;
  }

  private scopeFor(actor: Actor, given: string | undefined): WebhookScope {
    if (given === undefined) {
      if (actor.role === 'partner') return `country:${actor.country}`;
      throw badField('scope', 'scope is required: "fund" or "country:<ISO 3166-1 alpha-2>"');
    }
    const scope = parseScope(given);
    if (scope === undefined) throw badField('scope', 'scope must be "fund" or "country:<ISO 3166-1 alpha-2>", e.g. country:CR');
    if (actor.role === 'partner' && scope !== `country:${actor.country}`) {
      throw badField('scope', `a partner may register endpoints for its own country only (country:${actor.country})`);
    }
    return scope;
  }

  private withSecret(view: WebhookEndpointView): WebhookEndpointWithSecretDto {
    const current = view.secrets[0];
    if (current === undefined) throw new Error(`webhook endpoint ${view.id} has no secret`);
    return { ...toPublicEndpoint(view), events: [...view.events], secret: this.box.open(view.id, current.sealed) };
  }
}
