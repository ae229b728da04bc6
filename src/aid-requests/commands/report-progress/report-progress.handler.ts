import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { ReportProgressCommand } from './report-progress.command';

@CommandHandler(ReportProgressCommand)
export class ReportProgressHandler implements ICommandHandler<ReportProgressCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  execute({ action, dto }: ReportProgressCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    const context = { actor, now: this.clock.now() };
    return this.runner.run(
      requestId,
      { type: 'ReportProgress', data: { summary: dto.summary, final: dto.final === true }, context },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
