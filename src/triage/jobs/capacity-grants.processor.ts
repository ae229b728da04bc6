import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AidRequestCommandRunner } from '../../aid-requests/commands/aid-request-command.runner';
import { Clock } from '../../common/clock';
import { jobTrace, systemActor } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData, JobName } from '../../queues/queue-definitions';
import { ReviewRoundCloser } from '../../review-rounds/review-round-closer';

/**
 * `capacity-grants` (capacity track, first in first out, rate-limited): scores a request and
 * assigns it to the next quarterly review round; a scheduled job closes rounds that are due.
 */
@Injectable()
export class CapacityGrantsProcessor implements JobProcessor<'capacity-grants'> {
  readonly queue = 'capacity-grants' as const;

  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly closer: ReviewRoundCloser,
    private readonly clock: Clock,
  ) {}

  async process(job: Job<JobData<'capacity-grants'>, unknown, JobName<'capacity-grants'>>): Promise<void> {
    const actor = systemActor(this.queue);
    if (job.name === 'close-review-rounds') {
      await this.closer.closeDueRounds(this.clock.now(), actor, jobTrace(job, undefined));
      return;
    }
    const { requestId, trace } = job.data as JobData<'capacity-grants', 'score-request'>;
    await this.runner.run(
      requestId,
      // The fund ledger is not part of the service yet: the window's balance is unknown, which the
      // scoring policy rates neutrally and says so in the breakdown.
      { type: 'ScoreCapacityRequest', data: { windowAvailable: null }, context: { actor, now: this.clock.now() } },
      { actor, trace: jobTrace(job, trace) },
    );
  }
}
