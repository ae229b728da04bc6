import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { ProvideInformationCommand } from './provide-information.command';

@CommandHandler(ProvideInformationCommand)
export class ProvideInformationHandler implements ICommandHandler<ProvideInformationCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  execute({ action, dto }: ProvideInformationCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    const context = { actor, now: this.clock.now() };
    return this.runner.run(
      requestId,
      { type: 'ProvideInformation', data: { answer: dto.answer }, context },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
