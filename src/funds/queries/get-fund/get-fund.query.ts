import { Query } from '@nestjs/cqrs';
import type { FundView } from '../../projections/fund-view';

export class GetFundQuery extends Query<FundView> {
  constructor(readonly fiscalYear: number) {
    super();
  }
}
