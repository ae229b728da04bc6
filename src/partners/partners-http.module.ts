import { Module } from '@nestjs/common';
import { AssessPartnerController } from './commands/assess-partner/assess-partner.controller';
import { PartnersModule } from './partners.module';
import { GetPartnerController } from './queries/get-partner/get-partner.controller';
import { GetPartnerHandler } from './queries/get-partner/get-partner.handler';

/** The partner due-diligence HTTP API (api role). */
@Module({
  imports: [PartnersModule],
  controllers: [AssessPartnerController, GetPartnerController],
  providers: [GetPartnerHandler],
})
export class PartnersHttpModule {}
