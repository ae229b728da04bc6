import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { ApproveAidRequestCommand } from './approve-aid-request.command';

@CommandHandler(ApproveAidRequestCommand)
export class ApproveAidRequestHandler implements ICommandHandler<ApproveAidRequestCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ action, dto }: ApproveAidRequestCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    const context = { actor, now: this.clock.now() };
    return this.runner.run(
      requestId,
      {
        type: 'ApproveAidRequest',
        data: { amountApproved: BigInt(dto.amountApproved), tranches: dto.tranches?.map((t) => BigInt(t.amount)) },
        policy: { fourEyesThreshold: this.config.fourEyesThreshold, fiscalYearStartMonth: this.config.fiscalYearStartMonth },
        context,
      },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
