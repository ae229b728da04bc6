import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AidRequestCommandRunner } from '../../aid-requests/commands/aid-request-command.runner';
import { Clock } from '../../common/clock';
import { jobTrace, systemActor } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData } from '../../queues/queue-definitions';

/**
 * `disbursements`: pays a released tranche — `TrancheDisbursed` on the request and `FundsDisbursed`
 * on the fund, in one transaction. Idempotent by tranche: a job run twice pays once.
 */
@Injectable()
export class DisburseTrancheProcessor implements JobProcessor<'disbursements'> {
  readonly queue = 'disbursements' as const;

  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
  ) {}

  async process(job: Job<JobData<'disbursements'>>): Promise<void> {
    const { requestId, tranche, trace } = job.data;
    const actor = systemActor(this.queue);
    await this.runner.run(
      requestId,
      { type: 'DisburseTranche', data: { tranche }, context: { actor, now: this.clock.now() } },
      { actor, trace: jobTrace(job, trace) },
    );
  }
}
