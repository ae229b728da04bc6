import { Module } from '@nestjs/common';
import { UpcasterRegistry } from '@app/event-store';
import { upcastAidRequestFiledV1 } from './domain/aid-request-filed.upcaster';
import { AidRequestViewStore } from './projections/aid-request-view.store';

/** The aid-request read model, shared by the API and the workers, and the upcasters of the request's old events. */
@Module({
  providers: [AidRequestViewStore],
  exports: [AidRequestViewStore],
})
export class AidRequestsModule {
  // Registered when the module is built, before anything reads the log (every role builds this module).
  constructor(upcasters: UpcasterRegistry) {
    upcasters.register('AidRequestFiled', 1, upcastAidRequestFiledV1);
  }
}
