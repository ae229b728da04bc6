import type { Job } from 'bullmq';
import type { CommandActor, CommandTrace } from '../aid-requests/commands/aid-request-command.runner';
import type { JobTrace } from './queue-definitions';

/** The actor recorded on events that automation produces: `system:<queue>`. */
export function systemActor(queue: string): CommandActor {
  return { sub: `system:${queue}`, role: 'system' };
}

/** The job's place in the chain: the event it reacts to and the original correlation id. */
export function jobTrace(job: Job, trace: JobTrace | undefined): CommandTrace {
  const jobId = job.id ?? `${job.queueName}-unknown`;
  return {
    correlationId: trace?.correlationId ?? jobId,
    ...(trace ? { causationId: trace.causationId } : {}),
    jobId,
  };
}
