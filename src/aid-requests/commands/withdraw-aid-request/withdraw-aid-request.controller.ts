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
import { WithdrawAidRequestCommand } from './withdraw-aid-request.command';
import { WithdrawAidRequestDto } from './withdraw-aid-request.dto';

@Controller('v1/aid-requests')
export class WithdrawAidRequestController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
  ) {}

  /** The partner withdraws its request before a final decision, releasing any reserved money. */
  @Post(':id/withdraw')
  @Roles('partner')
  async withdrawAidRequest(
    @AidRequestId() requestId: string,
    @Body() dto: WithdrawAidRequestDto,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @IfMatchVersion() ifMatch: number | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.idempotent.run(request, actor, `POST /v1/aid-requests/${requestId}/withdraw`, 200, (idempotency) =>
      this.commandBus.execute(new WithdrawAidRequestCommand({ requestId, actor, meta, idempotency, ifMatch }, dto)),
    );
    await sendAidRequest(reply, result);
  }
}
