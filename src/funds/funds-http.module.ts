import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AllocateFundsController } from './commands/allocate-funds/allocate-funds.controller';
import { AllocateFundsHandler } from './commands/allocate-funds/allocate-funds.handler';
import { FundsModule } from './funds.module';
import { GetFundController } from './queries/get-fund/get-fund.controller';
import { GetFundHandler } from './queries/get-fund/get-fund.handler';

/** The fund HTTP API (api role). */
@Module({
  imports: [CqrsModule, FundsModule],
  controllers: [AllocateFundsController, GetFundController],
  providers: [AllocateFundsHandler, GetFundHandler],
})
export class FundsHttpModule {}
