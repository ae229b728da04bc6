import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import { AidRequestViewStore } from '../../aid-requests/projections/aid-request-view.store';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import { jobTrace, systemContext } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import { QueueProducer } from '../../queues/queue-producer';
import type { JobData, JobName, JobTrace } from '../../queues/queue-definitions';
import { reportTimer } from '../../relay/relay.reactions';

/** How many overdue deadlines one sweep handles; the next sweep takes the rest. */
const SWEEP_LIMIT = 500;

/**
 * `sla`: a deadline's delayed timer fires and the request is checked (a met or stale deadline
 * changes nothing); a report's due date fires and missed reports are recorded, then the next due
 * date gets its timer; a scheduled sweep finds deadlines and due dates whose timers were lost
 * (Redis lost its data) and checks them the same way.
 */
@Injectable()
export class SlaProcessor implements JobProcessor<'sla'> {
  readonly queue = 'sla' as const;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly views: AidRequestViewStore,
    private readonly producer: QueueProducer,
    private readonly clock: Clock,
  ) {}

  async process(job: Job<JobData<'sla'>, unknown, JobName<'sla'>>): Promise<void> {
    if (job.name === 'sweep-missed-deadlines') {
      for (const missed of await this.views.findMissedDeadlines(this.clock.now(), SWEEP_LIMIT)) {
        if (missed.deadline === 'report') await this.checkReports(job, missed.id, undefined);
        else await this.check(job, missed.id, missed.deadline, missed.dueAt);
      }
      return;
    }
    if (job.name === 'check-reports') {
      const { requestId, trace } = job.data as JobData<'sla', 'check-reports'>;
      await this.checkReports(job, requestId, trace);
      return;
    }
    const { requestId, deadline, dueAt } = job.data as JobData<'sla', 'check-deadline'>;
    await this.check(job, requestId, deadline, dueAt);
  }

  private async check(job: Job<JobData<'sla'>>, requestId: string, deadline: 'acknowledge' | 'decide', dueAt: string): Promise<void> {
    const trace = 'trace' in job.data ? job.data.trace : undefined;
    const command = { type: 'CheckSla', data: { deadline, dueAt }, context: systemContext(this.queue, this.clock.now()) } as const;
    await this.commandBus.execute(ExecuteCommand.on(aidRequests, requestId, command, { trace: jobTrace(job, trace) }));
  }

  /** Records every missed report, then sets the timer of the next due date (a no-op when it is already set). */
  private async checkReports(job: Job<JobData<'sla'>>, requestId: string, trace: JobTrace | undefined): Promise<void> {
    const command = { type: 'CheckReports', context: systemContext(this.queue, this.clock.now()) } as const;
    const { view } = await this.commandBus.execute(ExecuteCommand.on(aidRequests, requestId, command, { trace: jobTrace(job, trace) }));
    const next = view.reportsDue.find((report) => report.status === 'due');
    if (view.status !== 'approved' || next === undefined) return;
    const nextTrace: JobTrace = trace ?? { causationId: job.id ?? requestId, correlationId: job.id ?? requestId };
    await this.producer.add([reportTimer(requestId, next.dueAt, this.clock.now(), nextTrace)]);
  }
}
