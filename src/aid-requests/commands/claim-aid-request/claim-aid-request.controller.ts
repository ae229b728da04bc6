import { Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { IfMatchVersion } from '../../../common/if-match';
import { CurrentRequestMeta, type RequestMeta } from '../../../common/request-meta';
import { sendAidRequest } from '../../aid-request.http';
import { AidRequestId } from '../../queries/aid-request-id.param';
import { ClaimAidRequestCommand } from './claim-aid-request.command';

@Controller('v1/aid-requests')
export class ClaimAidRequestController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
  ) {}

  /** An officer takes a triaged request for review; this acknowledges it (the acknowledge SLA). */
  @Post(':id/claim')
  @Roles('officer')
  async claim(
    @AidRequestId() requestId: string,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @IfMatchVersion() ifMatch: number | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.idempotent.run(request, actor, `POST /v1/aid-requests/${requestId}/claim`, 200, (idempotency) =>
      this.commandBus.execute(new ClaimAidRequestCommand({ requestId, actor, meta, idempotency, ifMatch })),
    );
    await sendAidRequest(reply, result);
  }
}
