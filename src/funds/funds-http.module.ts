import { Module } from '@nestjs/common';
import { AllocateFundsController } from './commands/allocate-funds/allocate-funds.controller';
import { FundsModule } from './funds.module';
import { GetFundController } from './queries/get-fund/get-fund.controller';
import { GetFundHandler } from './queries/get-fund/get-fund.handler';

/** The fund HTTP API (api role). */
@Module({
  imports: [FundsModule],
  controllers: [AllocateFundsController, GetFundController],
  providers: [GetFundHandler],
})
export class FundsHttpModule {}
