import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { jobTrace, systemContext } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData } from '../../queues/queue-definitions';
import { triageConfig } from '../../aid-requests/aid-request.policies';

/** `triage`: runs the triage policy on a newly filed request (a repeat finds it triaged and does nothing). */
@Injectable()
export class TriageAidRequestProcessor implements JobProcessor<'triage'> {
  readonly queue = 'triage' as const;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async process(job: Job<JobData<'triage'>>): Promise<void> {
    const { requestId, trace } = job.data;
    const command = { type: 'AutoTriage', config: triageConfig(this.config), context: systemContext(this.queue, this.clock.now()) } as const;
    await this.commandBus.execute(ExecuteCommand.on(aidRequests, requestId, command, { trace: jobTrace(job, trace) }));
  }
}
