import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import { AidRequestViewStore } from '../../aid-requests/projections/aid-request-view.store';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { FundViewStore } from '../../funds/projections/fund-view.store';
import { jobTrace, systemContext } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData, JobName } from '../../queues/queue-definitions';
import { ReviewRoundCloser } from '../../review-rounds/review-round-closer';
import { fiscalYearOf } from '../../kernel/fiscal-year';

/**
 * `capacity-grants` (capacity track, first in first out, rate-limited): scores a request and
 * assigns it to the next quarterly review round; a scheduled job closes rounds that are due.
 */
@Injectable()
export class CapacityGrantsProcessor implements JobProcessor<'capacity-grants'> {
  readonly queue = 'capacity-grants' as const;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly closer: ReviewRoundCloser,
    private readonly clock: Clock,
    private readonly requests: AidRequestViewStore,
    private readonly funds: FundViewStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async process(job: Job<JobData<'capacity-grants'>, unknown, JobName<'capacity-grants'>>): Promise<void> {
    if (job.name === 'close-review-rounds') {
      await this.closer.closeDueRounds(systemContext(this.queue, this.clock.now()), jobTrace(job, undefined));
      return;
    }
    const { requestId, trace } = job.data as JobData<'capacity-grants', 'score-request'>;
    const windowAvailable = await this.windowAvailable(requestId);
    const command = { type: 'ScoreCapacityRequest', data: { windowAvailable }, context: systemContext(this.queue, this.clock.now()) } as const;
    await this.commandBus.execute(ExecuteCommand.on(aidRequests, requestId, command, { trace: jobTrace(job, trace) }));
  }

  /**
   * What the capacity-building window of the request's fiscal year (that of its filing) has left,
   * or null when nothing was ever allocated to it (the policy then scores that criterion neutrally).
   */
  private async windowAvailable(requestId: string): Promise<bigint | null> {
    const request = await this.requests.findById(requestId);
    if (request === undefined) return null;
    const fund = await this.funds.find(fiscalYearOf(new Date(request.filedAt), this.config.fiscalYearStartMonth));
    const window = fund?.windows.capacity_building;
    return window === undefined || window.allocated === 0 ? null : BigInt(window.available);
  }
}
