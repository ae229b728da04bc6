import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { FileAidRequestCommand } from './file-aid-request.command';

@CommandHandler(FileAidRequestCommand)
export class FileAidRequestHandler implements ICommandHandler<FileAidRequestCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  execute({ request, actor, meta, idempotency }: FileAidRequestCommand): Promise<AidRequestView> {
    return this.runner.run(
      request.requestId,
      { type: 'FileAidRequest', data: request, context: { actor, now: this.clock.now() } },
      { actor, trace: meta, idempotency, expectNew: true },
    );
  }
}
