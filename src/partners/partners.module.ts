import { Module } from '@nestjs/common';
import { PartnerReader } from './partner-reader';

/** Partners' due diligence, read by the partner API and by approvals. */
@Module({
  providers: [PartnerReader],
  exports: [PartnerReader],
})
export class PartnersModule {}
