import { createParamDecorator, Injectable, type ExecutionContext } from '@nestjs/common';
import { CommandBus, type Command } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../auth/actor';
import type { AuthenticatedRequest } from '../../auth/auth.guard';
import { IdempotentExecution } from '../../common/idempotency/idempotent-execution';
import { ifMatchVersion } from '../../common/if-match';
import { requestMetaOf, type RequestMeta } from '../../common/request-meta';
import { sendAidRequest } from '../aid-request.http';
import type { AidRequestView } from '../projections/aid-request-view';
import { notFound } from '../queries/aid-request-id.param';
import type { AidRequestActionContext } from './aid-request-action-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What every action route reads from the HTTP request: the request id, the caller, the trace ids, If-Match. */
export interface ActionRequest {
  readonly requestId: string;
  readonly actor: Actor;
  readonly meta: RequestMeta;
  readonly ifMatch: number | undefined;
  readonly request: FastifyRequest;
}

/** `:id` (a UUID, or 404 as for an unknown request), the verified caller, trace ids and If-Match. */
export const ActionRequestInput = createParamDecorator((_: unknown, context: ExecutionContext): ActionRequest => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const requestId = (request.params as Record<string, string | undefined>)['id'] ?? '';
  if (!UUID.test(requestId)) throw notFound('with this id');
  if (request.actor === undefined) throw new Error('an action route without authentication');
  return { requestId, actor: request.actor, meta: requestMetaOf(request), ifMatch: ifMatchVersion(request), request };
});

/**
 * Runs an action on a request for its HTTP route: the Idempotency-Key scoped to the route, the
 * command through the bus, and the answer (200 with the view and its ETag).
 */
@Injectable()
export class AidRequestActions {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
  ) {}

  async perform(
    input: ActionRequest,
    reply: FastifyReply,
    action: string,
    command: (context: AidRequestActionContext) => Command<AidRequestView>,
  ): Promise<void> {
    const { requestId, actor, meta, ifMatch, request } = input;
    const result = await this.idempotent.run(request, actor, `POST /v1/aid-requests/${requestId}/${action}`, 200, (idempotency) =>
      this.commandBus.execute(command({ requestId, actor, meta, idempotency, ifMatch })),
    );
    await sendAidRequest(reply, result);
  }
}
