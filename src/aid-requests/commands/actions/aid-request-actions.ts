import { createParamDecorator, Injectable, type ExecutionContext } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../auth/actor';
import type { AuthenticatedRequest } from '../../../auth/auth.guard';
import { ExecuteCommand } from '../../../commands/execute-command.command';
import { Clock } from '../../../common/clock';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { ifMatchVersion } from '../../../common/if-match';
import { requestMetaOf, type RequestMeta } from '../../../common/request-meta';
import type { CommandContext } from '../../../kernel/command-context';
import { aidRequests } from '../../aid-request.aggregate';
import { sendAidRequest } from '../../aid-request.http';
import type { AidRequestCommand } from '../../domain/aid-request.commands';
import { notFound } from '../../queries/aid-request-id.param';
import { PersonalDataReader } from '../../../personal-data/personal-data-reader';
import type { RunOptions } from '../../../commands/command-runner';

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
 * command (made with the caller and the time) through the bus, and the answer (200 with the view
 * and its ETag).
 */
@Injectable()
export class AidRequestActions {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
    private readonly clock: Clock,
    private readonly personalData: PersonalDataReader,
  ) {}

  /** `effects`: the route's own statements for the command's transaction (see RunOptions.effects). */
  async perform(
    input: ActionRequest,
    reply: FastifyReply,
    action: string,
    command: (context: CommandContext) => AidRequestCommand,
    effects?: RunOptions['effects'],
  ): Promise<void> {
    const { requestId, actor, meta, ifMatch, request } = input;
    const result = await this.idempotent.run(request, actor, `POST /v1/aid-requests/${requestId}/${action}`, 200, async (idempotency) => {
      const execute = ExecuteCommand.on(aidRequests, requestId, command({ actor, now: this.clock.now() }), { trace: meta, idempotency, ifMatch, effects });
      return (await this.commandBus.execute(execute)).view;
    });
    await sendAidRequest(reply, result, this.personalData);
  }
}
