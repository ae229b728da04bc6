import { Module } from '@nestjs/common';
import { FundLedger } from './fund-ledger';
import { FundViewProjection } from './projections/fund-view.projection';
import { FundViewStore } from './projections/fund-view.store';

/** The fund ledger core shared by the API and the workers. */
@Module({
  providers: [FundLedger, FundViewProjection, FundViewStore],
  exports: [FundLedger, FundViewStore],
})
export class FundsModule {}
