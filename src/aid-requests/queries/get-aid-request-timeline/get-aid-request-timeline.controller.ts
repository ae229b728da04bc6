import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { AidRequestId, notFound } from '../aid-request-id.param';
import { GetAidRequestTimelineQuery, type TimelineItem } from './get-aid-request-timeline.query';

@Controller('v1/aid-requests')
export class GetAidRequestTimelineController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id/timeline')
  @Roles('partner', 'officer', 'auditor')
  async timeline(@AidRequestId() id: string, @CurrentActor() actor: Actor): Promise<{ items: readonly TimelineItem[] }> {
    const items = await this.queryBus.execute(new GetAidRequestTimelineQuery(id, actor));
    if (items === undefined) throw notFound(id);
    return { items };
  }
}
