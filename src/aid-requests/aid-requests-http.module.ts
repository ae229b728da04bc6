import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AidRequestsModule } from './aid-requests.module';
import { AidRequestActions } from './commands/aid-request-actions';
import { ClaimAidRequestController } from './commands/claim-aid-request/claim-aid-request.controller';
import { ClaimAidRequestHandler } from './commands/claim-aid-request/claim-aid-request.handler';
import { OverrideTriageController } from './commands/override-triage/override-triage.controller';
import { OverrideTriageHandler } from './commands/override-triage/override-triage.handler';
import { GetOfficerQueueController } from './queries/get-officer-queue/get-officer-queue.controller';
import { GetOfficerQueueHandler } from './queries/get-officer-queue/get-officer-queue.handler';
import { RequestInformationController } from './commands/request-information/request-information.controller';
import { RequestInformationHandler } from './commands/request-information/request-information.handler';
import { ProvideInformationController } from './commands/provide-information/provide-information.controller';
import { ProvideInformationHandler } from './commands/provide-information/provide-information.handler';
import { ApproveAidRequestController } from './commands/approve-aid-request/approve-aid-request.controller';
import { ApproveAidRequestHandler } from './commands/approve-aid-request/approve-aid-request.handler';
import { RejectAidRequestController } from './commands/reject-aid-request/reject-aid-request.controller';
import { RejectAidRequestHandler } from './commands/reject-aid-request/reject-aid-request.handler';
import { WithdrawAidRequestController } from './commands/withdraw-aid-request/withdraw-aid-request.controller';
import { WithdrawAidRequestHandler } from './commands/withdraw-aid-request/withdraw-aid-request.handler';
import { ReportProgressController } from './commands/report-progress/report-progress.controller';
import { ReportProgressHandler } from './commands/report-progress/report-progress.handler';
import { ReleaseTrancheController } from './commands/release-tranche/release-tranche.controller';
import { ReleaseTrancheHandler } from './commands/release-tranche/release-tranche.handler';
import { FileAidRequestController } from './commands/file-aid-request/file-aid-request.controller';
import { FileAidRequestHandler } from './commands/file-aid-request/file-aid-request.handler';
import { GetAidRequestController } from './queries/get-aid-request/get-aid-request.controller';
import { GetAidRequestHandler } from './queries/get-aid-request/get-aid-request.handler';
import { GetAidRequestTimelineController } from './queries/get-aid-request-timeline/get-aid-request-timeline.controller';
import { GetAidRequestTimelineHandler } from './queries/get-aid-request-timeline/get-aid-request-timeline.handler';
import { ListAidRequestsController } from './queries/list-aid-requests/list-aid-requests.controller';
import { ListAidRequestsHandler } from './queries/list-aid-requests/list-aid-requests.handler';

/** The aid-request HTTP API (api role). */
@Module({
  imports: [CqrsModule, AidRequestsModule],
  controllers: [
    FileAidRequestController,
    ListAidRequestsController,
    GetAidRequestController,
    GetAidRequestTimelineController,
    ClaimAidRequestController,
    OverrideTriageController,
    GetOfficerQueueController,
    RequestInformationController,
    ProvideInformationController,
    ApproveAidRequestController,
    RejectAidRequestController,
    WithdrawAidRequestController,
    ReportProgressController,
    ReleaseTrancheController,
  ],
  providers: [
    AidRequestActions,
    FileAidRequestHandler,
    GetAidRequestHandler,
    ListAidRequestsHandler,
    GetAidRequestTimelineHandler,
    ClaimAidRequestHandler,
    OverrideTriageHandler,
    GetOfficerQueueHandler,
    RequestInformationHandler,
    ProvideInformationHandler,
    ApproveAidRequestHandler,
    RejectAidRequestHandler,
    WithdrawAidRequestHandler,
    ReportProgressHandler,
    ReleaseTrancheHandler,
  ],
})
export class AidRequestsHttpModule {}
