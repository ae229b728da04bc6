import { Controller, Get, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { sendAidRequest } from '../../aid-request.http';
import { ApiAidRequestAnswer, ApiAidRequestId, REQUEST_NOT_FOUND } from '../../aid-request.openapi';
import { ApiProblems } from '../../../http/api-docs';
import { AidRequestId, notFound } from '../aid-request-id.param';
import { GetAidRequestQuery } from './get-aid-request.query';
import { PersonalDataReader } from '../../../personal-data/personal-data-reader';

@ApiTags('aid-requests')
@Controller('v1/aid-requests')
export class GetAidRequestController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly personalData: PersonalDataReader,
  ) {}

  @Get(':id')
  @Roles('partner', 'officer', 'auditor')
  @ApiOperation({ summary: 'Read a request (a partner: its own country’s only)' })
  @ApiAidRequestId()
  @ApiAidRequestAnswer(200, 'the request view')
  @ApiProblems(REQUEST_NOT_FOUND)
  async get(@AidRequestId() id: string, @CurrentActor() actor: Actor, @Res() reply: FastifyReply): Promise<void> {
    const view = await this.queryBus.execute(new GetAidRequestQuery(id, actor));
    if (view === undefined) throw notFound(id);
    await sendAidRequest(reply, { status: 200, body: view, replayed: false }, this.personalData);
  }
}
