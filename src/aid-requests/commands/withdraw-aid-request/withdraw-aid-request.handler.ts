import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { WithdrawAidRequestCommand } from './withdraw-aid-request.command';

@CommandHandler(WithdrawAidRequestCommand)
export class WithdrawAidRequestHandler implements ICommandHandler<WithdrawAidRequestCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  execute({ action, dto }: WithdrawAidRequestCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    const context = { actor, now: this.clock.now() };
    return this.runner.run(
      requestId,
      { type: 'WithdrawAidRequest', data: { reason: dto.reason ?? null }, context },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
