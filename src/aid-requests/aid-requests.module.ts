import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AidRequestCommandRunner } from './commands/aid-request-command.runner';
import { FileAidRequestController } from './commands/file-aid-request/file-aid-request.controller';
import { FileAidRequestHandler } from './commands/file-aid-request/file-aid-request.handler';
import { AidRequestViewProjection } from './projections/aid-request-view.projection';
import { AidRequestViewStore } from './projections/aid-request-view.store';
import { GetAidRequestController } from './queries/get-aid-request/get-aid-request.controller';
import { GetAidRequestHandler } from './queries/get-aid-request/get-aid-request.handler';
import { GetAidRequestTimelineController } from './queries/get-aid-request-timeline/get-aid-request-timeline.controller';
import { GetAidRequestTimelineHandler } from './queries/get-aid-request-timeline/get-aid-request-timeline.handler';
import { ListAidRequestsController } from './queries/list-aid-requests/list-aid-requests.controller';
import { ListAidRequestsHandler } from './queries/list-aid-requests/list-aid-requests.handler';

@Module({
  imports: [CqrsModule],
  controllers: [FileAidRequestController, ListAidRequestsController, GetAidRequestController, GetAidRequestTimelineController],
  providers: [
    AidRequestCommandRunner,
    AidRequestViewProjection,
    AidRequestViewStore,
    FileAidRequestHandler,
    GetAidRequestHandler,
    ListAidRequestsHandler,
    GetAidRequestTimelineHandler,
  ],
})
export class AidRequestsModule {}
