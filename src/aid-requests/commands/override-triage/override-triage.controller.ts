import { Body, Controller, Post, Req, Res } from '@nestjs/common';
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
import { OverrideTriageCommand } from './override-triage.command';
import { OverrideTriageDto } from './override-triage.dto';

@Controller('v1/aid-requests')
export class OverrideTriageController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
  ) {}

  /** An officer overrides the automatic triage, with a reason; the SLA deadlines are derived anew. */
  @Post(':id/triage')
  @Roles('officer')
  async override(
    @AidRequestId() requestId: string,
    @Body() dto: OverrideTriageDto,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @IfMatchVersion() ifMatch: number | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.idempotent.run(request, actor, `POST /v1/aid-requests/${requestId}/triage`, 200, (idempotency) =>
      this.commandBus.execute(new OverrideTriageCommand({ requestId, actor, meta, idempotency, ifMatch }, dto)),
    );
    await sendAidRequest(reply, result);
  }
}
