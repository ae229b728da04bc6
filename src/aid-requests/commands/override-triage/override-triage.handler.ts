import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { triageConfig } from '../../../triage/triage-config';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestCommandRunner } from '../aid-request-command.runner';
import { OverrideTriageCommand } from './override-triage.command';

@CommandHandler(OverrideTriageCommand)
export class OverrideTriageHandler implements ICommandHandler<OverrideTriageCommand, AidRequestView> {
  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ action, override }: OverrideTriageCommand): Promise<AidRequestView> {
    const { requestId, actor, meta, idempotency, ifMatch } = action;
    return this.runner.run(
      requestId,
      {
        type: 'OverrideTriage',
        data: { track: override.track, priority: override.priority, reason: override.reason },
        config: triageConfig(this.config),
        context: { actor, now: this.clock.now() },
      },
      { actor, trace: meta, idempotency, ifMatch },
    );
  }
}
