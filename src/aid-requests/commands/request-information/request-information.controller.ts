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
import { RequestInformationCommand } from './request-information.command';
import { RequestInformationDto } from './request-information.dto';

@Controller('v1/aid-requests')
export class RequestInformationController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
  ) {}

  /** The assigned officer asks the partner for information; the decide clock pauses until the answer. */
  @Post(':id/information-requests')
  @Roles('officer')
  async requestInformation(
    @AidRequestId() requestId: string,
    @Body() dto: RequestInformationDto,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @IfMatchVersion() ifMatch: number | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.idempotent.run(request, actor, `POST /v1/aid-requests/${requestId}/information-requests`, 200, (idempotency) =>
      this.commandBus.execute(new RequestInformationCommand({ requestId, actor, meta, idempotency, ifMatch }, dto)),
    );
    await sendAidRequest(reply, result);
  }
}
