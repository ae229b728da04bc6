import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { AidRequestId, notFound } from '../aid-request-id.param';
import { ApiAidRequestId, REQUEST_NOT_FOUND, TIMELINE_ITEM_SCHEMA } from '../../aid-request.openapi';
import { ApiProblems } from '../../../http/api-docs';
import { GetAidRequestTimelineQuery, type TimelineItem } from './get-aid-request-timeline.query';

@ApiTags('aid-requests')
@Controller('v1/aid-requests')
export class GetAidRequestTimelineController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id/timeline')
  @Roles('partner', 'officer', 'auditor')
  @ApiOperation({ summary: 'The request’s events, in stream order' })
  @ApiAidRequestId()
  @ApiOkResponse({ schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: TIMELINE_ITEM_SCHEMA } } } })
  @ApiProblems(REQUEST_NOT_FOUND)
  async timeline(@AidRequestId() id: string, @CurrentActor() actor: Actor): Promise<{ items: readonly TimelineItem[] }> {
    const items = await this.queryBus.execute(new GetAidRequestTimelineQuery(id, actor));
    if (items === undefined) throw notFound(id);
    return { items };
  }
}
