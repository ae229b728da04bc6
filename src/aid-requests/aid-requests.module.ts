import { Module } from '@nestjs/common';
import { FundsModule } from '../funds/funds.module';
import { AidRequestCommandRunner } from './commands/aid-request-command.runner';
import { AidRequestViewProjection } from './projections/aid-request-view.projection';
import { AidRequestViewStore } from './projections/aid-request-view.store';

/** The aid-request core shared by the API and the workers: the command path and the read model. */
@Module({
  imports: [FundsModule],
  providers: [AidRequestCommandRunner, AidRequestViewProjection, AidRequestViewStore],
  exports: [AidRequestCommandRunner, AidRequestViewStore],
})
export class AidRequestsModule {}
