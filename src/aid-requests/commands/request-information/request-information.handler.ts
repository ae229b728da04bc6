import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { RequestInformationCommand } from './request-information.command';

@CommandHandler(RequestInformationCommand)
export class RequestInformationHandler implements ICommandHandler<RequestInformationCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  execute({ action, dto }: RequestInformationCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    const context = { actor, now: this.clock.now() };
    return this.runner.run(
      requestId,
      { type: 'RequestInformation', data: { question: dto.question }, context },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
