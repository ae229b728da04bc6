import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { ReleaseTrancheCommand } from './release-tranche.command';

@CommandHandler(ReleaseTrancheCommand)
export class ReleaseTrancheHandler implements ICommandHandler<ReleaseTrancheCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  execute({ action, tranche }: ReleaseTrancheCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    return this.runner.run(
      requestId,
      { type: 'ReleaseTranche', data: { tranche }, context: { actor, now: this.clock.now() } },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
