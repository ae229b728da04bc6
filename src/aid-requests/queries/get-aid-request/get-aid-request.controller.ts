import { Controller, Get, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { sendAidRequest } from '../../aid-request.http';
import { AidRequestId, notFound } from '../aid-request-id.param';
import { GetAidRequestQuery } from './get-aid-request.query';

@Controller('v1/aid-requests')
export class GetAidRequestController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id')
  @Roles('partner', 'officer', 'auditor')
  async get(@AidRequestId() id: string, @CurrentActor() actor: Actor, @Res() reply: FastifyReply): Promise<void> {
    const view = await this.queryBus.execute(new GetAidRequestQuery(id, actor));
    if (view === undefined) throw notFound(id);
    await sendAidRequest(reply, { status: 200, body: view, replayed: false });
  }
}
