import { Module } from '@nestjs/common';
import { ReceiptsModule } from '../audit/receipts/receipts.module';
import { AidRequestsModule } from './aid-requests.module';
import { PartnersModule } from '../partners/partners.module';
import { AidRequestActions } from './commands/actions/aid-request-actions';
import { AidRequestActionsController } from './commands/actions/aid-request-actions.controller';
import { AmendmentsController } from './commands/amendments/amendments.controller';
import { FileAidRequestController } from './commands/file-aid-request/file-aid-request.controller';
import { GetAidRequestTimelineController } from './queries/get-aid-request-timeline/get-aid-request-timeline.controller';
import { GetAidRequestTimelineHandler } from './queries/get-aid-request-timeline/get-aid-request-timeline.handler';
import { GetAidRequestController } from './queries/get-aid-request/get-aid-request.controller';
import { GetAidRequestHandler } from './queries/get-aid-request/get-aid-request.handler';
import { GetOfficerQueueController } from './queries/get-officer-queue/get-officer-queue.controller';
import { GetOfficerQueueHandler } from './queries/get-officer-queue/get-officer-queue.handler';
import { ListAidRequestsController } from './queries/list-aid-requests/list-aid-requests.controller';
import { ListAidRequestsHandler } from './queries/list-aid-requests/list-aid-requests.handler';

/** The aid-request HTTP API (api role). */
@Module({
  imports: [AidRequestsModule, ReceiptsModule, PartnersModule],
  controllers: [
    FileAidRequestController,
    AidRequestActionsController,
    AmendmentsController,
    ListAidRequestsController,
    GetAidRequestController,
    GetAidRequestTimelineController,
    GetOfficerQueueController,
  ],
  providers: [AidRequestActions, GetAidRequestHandler, ListAidRequestsHandler, GetAidRequestTimelineHandler, GetOfficerQueueHandler],
})
export class AidRequestsHttpModule {}
