import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { decodeCursor, encodeCursor } from '../../../common/cursor';
import { DEFAULT_PAGE_SIZE } from '../../../common/page-query.dto';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { ListPosition } from '../../projections/aid-request-view.store';
import { ListAidRequestsDto } from './list-aid-requests.dto';
import { AID_REQUEST_VIEW } from '../../aid-request.openapi';
import { ApiProblems, ApiQueryParams, pageSchema } from '../../../http/api-docs';
import { ListAidRequestsQuery } from './list-aid-requests.query';
import { PersonalDataReader, type Shown } from '../../../personal-data/personal-data-reader';

function isListPosition(value: unknown): value is ListPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { filedAt, id } = value as Record<string, unknown>;
  return (
    typeof filedAt === 'string' &&
    !Number.isNaN(Date.parse(filedAt)) &&
    typeof id === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
  );
}

@ApiTags('aid-requests')
@Controller('v1/aid-requests')
export class ListAidRequestsController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly personalData: PersonalDataReader,
  ) {}

  /** Newest first; a partner sees its own country's requests only. */
  @Get()
  @Roles('partner', 'officer', 'auditor')
  @ApiOperation({ summary: 'List requests, newest first (a partner: its own country’s only)' })
  @ApiQueryParams(ListAidRequestsDto)
  @ApiOkResponse({ schema: pageSchema(AID_REQUEST_VIEW) })
  @ApiProblems([400, 'a filter, limit or cursor that is not valid'])
  async list(
    @Query() query: ListAidRequestsDto,
    @CurrentActor() actor: Actor,
  ): Promise<{ items: readonly Shown<AidRequestView>[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isListPosition);
    const filter = {
      ...(query.status && { status: query.status }),
      ...(query.track && { track: query.track }),
      ...(query.kind && { kind: query.kind }),
      ...(query.country && { country: query.country }),
    };
    const page = await this.queryBus.execute(new ListAidRequestsQuery(actor, filter, after, query.limit ?? DEFAULT_PAGE_SIZE));
    return { items: await this.personalData.showViews(page.items), nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}
