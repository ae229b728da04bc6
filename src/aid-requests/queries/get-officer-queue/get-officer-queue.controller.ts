import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../auth/roles.decorator';
import { decodeCursor, encodeCursor } from '../../../common/cursor';
import { DEFAULT_PAGE_SIZE } from '../../../common/page-query.dto';
import type { QueuePosition } from '../../projections/aid-request-view.store';
import { GetOfficerQueueDto } from './get-officer-queue.dto';
import { QUEUE_ITEM_SCHEMA } from '../../aid-request.openapi';
import { ApiProblems, ApiQueryParams, pageSchema } from '../../../http/api-docs';
import { GetOfficerQueueQuery, type QueueItem } from './get-officer-queue.query';
import { PersonalDataReader, type Shown } from '../../../personal-data/personal-data-reader';

function isQueuePosition(value: unknown): value is QueuePosition {
  if (typeof value !== 'object' || value === null) return false;
  const { priority, decideBy, id } = value as Record<string, unknown>;
  return (
    typeof priority === 'number' &&
    Number.isInteger(priority) &&
    typeof decideBy === 'string' &&
    !Number.isNaN(Date.parse(decideBy)) &&
    typeof id === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
  );
}

@ApiTags('aid-requests')
@Controller('v1/queue')
export class GetOfficerQueueController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly personalData: PersonalDataReader,
  ) {}

  /** Requests waiting on the fund, most urgent first (priority, then decide deadline), with SLA state. */
  @Get()
  @Roles('officer')
  @ApiOperation({ summary: 'The officers’ queue: requests waiting on the fund, most urgent first, with SLA state' })
  @ApiQueryParams(GetOfficerQueueDto)
  @ApiOkResponse({ schema: pageSchema(QUEUE_ITEM_SCHEMA) })
  @ApiProblems([400, 'a limit or cursor that is not valid'])
  async queue(@Query() query: GetOfficerQueueDto): Promise<{ items: readonly Shown<QueueItem>[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isQueuePosition);
    const page = await this.queryBus.execute(new GetOfficerQueueQuery(after, query.limit ?? DEFAULT_PAGE_SIZE));
    return { items: await this.personalData.showViews(page.items), nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}
