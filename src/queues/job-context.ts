import type { Job } from 'bullmq';
import type { CommandTrace } from '../commands/command-trace';
import type { CommandActor, CommandContext } from '../kernel/command-context';
import type { JobTrace } from './queue-definitions';

/** The actor recorded on events that automation produces: `system:<queue>`. */
export function systemActor(queue: string): CommandActor {
  return { sub: `system:${queue}`, role: 'system' };
}

/** Who acts when a queue's job issues a command, and when: the system, now. */
export function systemContext(queue: string, now: Date): CommandContext {
  return { actor: systemActor(queue), now };
}

/** The job's place in the chain: the event it reacts to and the original correlation id. */
export function jobTrace(job: Job, trace: JobTrace | undefined): CommandTrace {
  const jobId = job.id ?? `${job.queueName}-unknown`;
  return {
    correlationId: trace?.correlationId ?? jobId,
    ...(trace ? { causationId: trace.causationId } : {}),
    ...(trace?.requestId === undefined ? {} : { requestId: trace.requestId }),
    jobId,
  };
}
