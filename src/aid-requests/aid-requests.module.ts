import { Module } from '@nestjs/common';
import { AidRequestViewStore } from './projections/aid-request-view.store';

/** The aid-request read model, shared by the API and the workers. */
@Module({
  providers: [AidRequestViewStore],
  exports: [AidRequestViewStore],
})
export class AidRequestsModule {}
