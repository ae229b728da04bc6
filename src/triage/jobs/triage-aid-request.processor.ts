import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AidRequestCommandRunner } from '../../aid-requests/commands/aid-request-command.runner';
import { Clock } from '../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { jobTrace, systemActor } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData } from '../../queues/queue-definitions';
import { triageConfig } from '../triage-config';

/** `triage`: runs the triage policy on a newly filed request (a repeat finds it triaged and does nothing). */
@Injectable()
export class TriageAidRequestProcessor implements JobProcessor<'triage'> {
  readonly queue = 'triage' as const;

  constructor(
    private readonly runner: AidRequestCommandRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async process(job: Job<JobData<'triage'>>): Promise<void> {
    const { requestId, trace } = job.data;
    await this.runner.run(
      requestId,
      { type: 'AutoTriage', config: triageConfig(this.config), context: { actor: systemActor(this.queue), now: this.clock.now() } },
      { actor: systemActor(this.queue), trace: jobTrace(job, trace) },
    );
  }
}
