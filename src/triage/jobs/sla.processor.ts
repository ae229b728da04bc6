import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { CommandBus } from '@nestjs/cqrs';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import { AidRequestViewStore, type MissedDeadline } from '../../aid-requests/projections/aid-request-view.store';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import { jobTrace, systemContext } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import { QueueProducer } from '../../queues/queue-producer';
import type { JobData, JobName, JobRequest, JobTrace } from '../../queues/queue-definitions';
import { reportTimer } from '../../relay/relay.reactions';

/** How many overdue deadlines one sweep handles; the next sweep takes the rest. */
const SWEEP_LIMIT = 500;

/**
 * `sla`: the recurring sweep (every SLA_SWEEP_INTERVAL_MS) is what fires SLA deadlines: the
 * acknowledge and decide deadlines are columns of the request's view, written in the same
 * transaction as the triage event, and each sweep checks every one that has passed (a met or stale
 * deadline changes nothing). A report's due date fires its own delayed timer, then the next due
 * date gets one; the sweep also finds due dates whose timers were lost with Redis.
 *
 * Every deadline is checked on its own: one that fails does not hold back the others, and becomes
 * a job of its own (`check-deadline` or `check-reports`), retried with backoff and dead-lettered
 * with its reason after its last attempt. `check-deadline` jobs are also what earlier versions
 * queued as delayed timers, one per deadline; any still in Redis after an upgrade run as before.
 */
@Injectable()
export class SlaProcessor implements JobProcessor<'sla'> {
  readonly queue = 'sla' as const;
  private readonly logger = new Logger('sla');

  constructor(
    private readonly commandBus: CommandBus,
    private readonly views: AidRequestViewStore,
    private readonly producer: QueueProducer,
    private readonly clock: Clock,
  ) {}

  async process(job: Job<JobData<'sla'>, unknown, JobName<'sla'>>): Promise<void> {
    if (job.name === 'sweep-missed-deadlines') {
      await this.sweep(job);
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

  private async sweep(job: Job<JobData<'sla'>>): Promise<void> {
    const now = this.clock.now();
    const missed = await this.views.findMissedDeadlines(now, SWEEP_LIMIT);
    const retries: JobRequest<'sla'>[] = [];
    for (const deadline of missed) {
      try {
        if (deadline.deadline === 'report') await this.checkReports(job, deadline.id, undefined);
        else await this.check(job, deadline.id, deadline.deadline, deadline.dueAt);
      } catch (error) {
        this.logger.warn(`${deadline.deadline} deadline of ${deadline.id} could not be checked (retried as a job of its own): ${error instanceof Error ? error.message : String(error)}`);
        retries.push(retryJob(deadline, job.id ?? 'sla-sweep'));
      }
    }
    if (retries.length > 0) await this.producer.add(retries);
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

/**
 * The job that checks one deadline the sweep could not: its id names the request, the deadline and
 * its due time, so sweeps that fail on it again add nothing while it is queued, retrying or
 * dead-lettered; it differs from the ids of report timers, which may still be kept as completed.
 */
export function retryJob(missed: MissedDeadline, causationId: string): JobRequest<'sla'> {
  const trace: JobTrace = { causationId, correlationId: causationId };
  const due = Date.parse(missed.dueAt);
  return missed.deadline === 'report'
    ? { queue: 'sla', name: 'check-reports', data: { requestId: missed.id, dueAt: missed.dueAt, trace }, jobId: `retry-report-${missed.id}-${due}` }
    : { queue: 'sla', name: 'check-deadline', data: { requestId: missed.id, deadline: missed.deadline, dueAt: missed.dueAt, trace }, jobId: `retry-${missed.deadline}-${missed.id}-${due}` };
}
