import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { RejectAidRequestCommand } from './reject-aid-request.command';

@CommandHandler(RejectAidRequestCommand)
export class RejectAidRequestHandler implements ICommandHandler<RejectAidRequestCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  execute({ action, dto }: RejectAidRequestCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    const context = { actor, now: this.clock.now() };
    return this.runner.run(
      requestId,
      { type: 'RejectAidRequest', data: { reason: dto.reason }, context },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
