import { Controller, Param, ParseIntPipe, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { IfMatchVersion } from '../../../common/if-match';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { CurrentRequestMeta, type RequestMeta } from '../../../common/request-meta';
import { sendAidRequest } from '../../aid-request.http';
import { AidRequestId } from '../../queries/aid-request-id.param';
import { ReleaseTrancheCommand } from './release-tranche.command';

/** `:n`, the tranche number: an integer, or 400. */
function trancheNumber(): ParseIntPipe {
  return new ParseIntPipe({
    exceptionFactory: () =>
      new ProblemException(
        problem(400, 'tranche.invalid', 'the tranche number must be a positive integer', { errors: [{ field: 'n', message: 'must be a positive integer' }] }),
      ),
  });
}

@Controller('v1/aid-requests')
export class ReleaseTrancheController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
  ) {}

  /** Queues the disbursement of a pending tranche; the disbursements worker pays it and records it on the fund. */
  @Post(':id/tranches/:n/release')
  @Roles('officer')
  async releaseTranche(
    @AidRequestId() requestId: string,
    @Param('n', trancheNumber()) tranche: number,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @IfMatchVersion() ifMatch: number | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.idempotent.run(request, actor, `POST /v1/aid-requests/${requestId}/tranches/${tranche}/release`, 200, (idempotency) =>
      this.commandBus.execute(new ReleaseTrancheCommand({ requestId, actor, meta, idempotency, ifMatch }, tranche)),
    );
    await sendAidRequest(reply, result);
  }
}
