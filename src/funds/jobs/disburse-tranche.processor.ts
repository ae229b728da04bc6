import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import { jobTrace, systemContext } from '../../queues/job-context';
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
    private readonly commandBus: CommandBus,
    private readonly clock: Clock,
  ) {}

  async process(job: Job<JobData<'disbursements'>>): Promise<void> {
    const { requestId, tranche, trace } = job.data;
    const command = { type: 'DisburseTranche', data: { tranche }, context: systemContext(this.queue, this.clock.now()) } as const;
    await this.commandBus.execute(ExecuteCommand.on(aidRequests, requestId, command, { trace: jobTrace(job, trace) }));
  }
}
