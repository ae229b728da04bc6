import type { Job } from 'bullmq';
import type { JobData, JobName, QueueName } from './queue-definitions';

/** A thin, idempotent job handler: it issues commands through the same path as HTTP and holds no business rules. */
export interface JobProcessor<Q extends QueueName> {
  readonly queue: Q;
  process(job: Job<JobData<Q>, unknown, JobName<Q>>): Promise<void>;
  /** For a queue whose backoff type is `schedule`: the delay before the next attempt, after `attemptsMade` attempts. */
  backoffDelayMs?(attemptsMade: number): number;
}
