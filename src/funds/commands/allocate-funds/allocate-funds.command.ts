import { Command } from '@nestjs/cqrs';
import type { Actor } from '../../../auth/actor';
import type { IdempotencyClaim } from '../../../common/idempotency/idempotency';
import type { RequestMeta } from '../../../common/request-meta';
import type { FundView } from '../../projections/fund-view';
import type { AllocateFundsDto } from './allocate-funds.dto';

export class AllocateFundsCommand extends Command<FundView> {
  constructor(
    readonly fiscalYear: number,
    readonly dto: AllocateFundsDto,
    readonly actor: Actor,
    readonly meta: RequestMeta,
    readonly idempotency: IdempotencyClaim | undefined,
  ) {
    super();
  }
}
