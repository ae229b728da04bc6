import { Module } from '@nestjs/common';
import { FundViewStore } from './projections/fund-view.store';

/** The fund's read model, shared by the API and the workers. */
@Module({
  providers: [FundViewStore],
  exports: [FundViewStore],
})
export class FundsModule {}
