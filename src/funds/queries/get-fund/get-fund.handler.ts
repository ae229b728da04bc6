import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { initialFundState } from '../../domain/fund.state';
import type { FundView } from '../../projections/fund-view';
import { fundViewProjection } from '../../projections/fund-view.projection';
import { FundViewStore } from '../../projections/fund-view.store';
import { GetFundQuery } from './get-fund.query';

@QueryHandler(GetFundQuery)
export class GetFundHandler implements IQueryHandler<GetFundQuery, FundView> {
  constructor(private readonly views: FundViewStore) {}

  /** A year nothing was allocated to yet is an empty fund (version 0), not an error. */
  async execute({ fiscalYear }: GetFundQuery): Promise<FundView> {
    return (await this.views.find(fiscalYear)) ?? fundViewProjection.view(String(fiscalYear), initialFundState(), 0);
  }
}
