import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { IdGenerator } from '../../../common/ids';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { CurrentRequestMeta, type RequestMeta } from '../../../common/request-meta';
import { sendAidRequest } from '../../aid-request.http';
import { FileAidRequestCommand } from './file-aid-request.command';
import { FileAidRequestDto } from './file-aid-request.dto';

@Controller('v1/aid-requests')
export class FileAidRequestController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
    private readonly ids: IdGenerator,
  ) {}

  /** A partner files an aid request for its own country. */
  @Post()
  @Roles('partner')
  async file(
    @Body() dto: FileAidRequestDto,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.idempotent.run(request, actor, 'POST /v1/aid-requests', 201, (claim) =>
      this.commandBus.execute(new FileAidRequestCommand(toFileAidRequest(dto, this.ids.newId()), actor, meta, claim)),
      { optimistic: true },
    );
    await sendAidRequest(reply, result);
  }
}

function toFileAidRequest(dto: FileAidRequestDto, requestId: string): FileAidRequestCommand['request'] {
  return {
    requestId,
    kind: dto.kind,
    title: dto.title,
    description: dto.description,
    actionArea: dto.actionArea,
    amountRequested: BigInt(dto.amountRequested),
    ...(dto.incident && {
      incident: {
        severity: dto.incident.severity,
        ongoing: dto.incident.ongoing,
        detectedAt: new Date(dto.incident.detectedAt),
        sectors: dto.incident.sectors,
      },
    }),
    ...(dto.capacity && {
      capacity: {
        durationMonths: dto.capacity.durationMonths,
        sectors: dto.capacity.sectors ?? [],
        milestones: dto.capacity.milestones.map((m) => ({ title: m.title, amount: BigInt(m.amount) })),
      },
    }),
    ...(dto.contact && { contact: { name: dto.contact.name, email: dto.contact.email } }),
  };
}
