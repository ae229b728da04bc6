import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { ClaimAidRequestCommand } from './claim-aid-request.command';

@CommandHandler(ClaimAidRequestCommand)
export class ClaimAidRequestHandler implements ICommandHandler<ClaimAidRequestCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  execute({ action }: ClaimAidRequestCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    return this.runner.run(
      requestId,
      { type: 'ClaimAidRequest', context: { actor, now: this.clock.now() } },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
