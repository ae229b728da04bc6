import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Queue, type Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { QUEUE_DEFINITIONS, type JobRequest, type JobTrace, type QueueName } from './queue-definitions';
import { queueTelemetry } from './queue-telemetry';
import { bullmqTelemetryMetadata } from '../tracing/trace-context';
import { bullmqConnection, closeForGood, describeRedisFailure, queuePrefix, redisAddress } from './redis-connection';
import { ThrottledWarning } from '../common/throttled-warning';

/** How long to wait for a queue's connection before reporting Redis as unavailable. */
const READY_TIMEOUT_MS = 2_000;
/** Closing a queue whose Redis is gone can wait forever; shutdown does not. */
const CLOSE_TIMEOUT_MS = 3_000;

export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/**
 * Adds jobs to the queues. Fails fast when Redis is away (the caller retries: the relay keeps its
 * checkpoint and tries the batch again), so nothing waits forever on a dead connection.
 */
@Injectable()
export class QueueProducer implements BeforeApplicationShutdown {
  private readonly logger = new Logger('queues');
  private readonly queues = new Map<QueueName, Queue>();
  /** Closes the cluster clients the queues were given (BullMQ leaves them open). */
  private readonly disposals: (() => void)[] = [];
  /** Every queue's connection reports the same outage: one warning a minute says it. */
  private readonly redisAway = new ThrottledWarning(this.logger, 'Redis', 60_000);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      const { connection, dispose } = bullmqConnection(this.config, 'producer');
      this.disposals.push(dispose);
      queue = new Queue(name, {
        connection,
        prefix: queuePrefix(this.config.queuePrefix),
        defaultJobOptions: QUEUE_DEFINITIONS[name].jobOptions,
        ...queueTelemetry(this.config),
      });
      queue.on('error', (error) => this.redisAway.log(describeRedisFailure(this.config.redisUrl, error)));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Adds the jobs, one round trip per queue. A job whose id is already in the queue is not added
   * again. Throws `RedisUnavailableError` at once when the queue's connection is not ready, rather
   * than leaving the caller waiting for Redis to come back.
   */
  async add(jobs: readonly JobRequest[]): Promise<void> {
    const byQueue = new Map<QueueName, JobRequest[]>();
    for (const job of jobs) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
    await Promise.all(
      [...byQueue].map(async ([name, queued]) => {
        const queue = this.queue(name);
        await this.assertReady(queue);
        await queue.addBulk(
          queued.map((job) => ({
            name: job.name,
            data: job.data,
            opts: {
              jobId: job.jobId,
              ...(job.priority === undefined ? {} : { priority: job.priority }),
              ...(job.delayMs === undefined ? {} : { delay: Math.max(0, job.delayMs) }),
              ...jobTelemetry(job),
            },
          })),
        );
      }),
    );
  }

  /**
   * Adds lost jobs again. A job that survives only in part holds on to its id, and BullMQ would
   * take the add as done although the job can never run as it should. Two such parts are removed
   * first: a hash without a place in any of the queue's lists (an orphan, as a partial loss or an
   * eviction leaves it), and an id in a list whose hash lost the job's name and data (a hollow job:
   * a worker would take it with no payload and fail it). A whole job that is waiting, delayed,
   * active or finished is left alone.
   */
  async restore(jobs: readonly JobRequest[]): Promise<void> {
    // One job that cannot be checked or removed now (its lock still held, say) holds back no other:
    // the rest are added, and the failure is reported so that the next sweep tries that one again.
    const checked = await Promise.allSettled(
      jobs.map(async (job) => {
        const queue = this.queue(job.queue);
        await this.assertReady(queue);
        const [state, stored] = await Promise.all([queue.getJobState(job.jobId), queue.getJob(job.jobId)]);
        if (state === 'unknown' || !isWhole(stored)) await queue.remove(job.jobId);
        return job;
      }),
    );
    await this.add(checked.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
    const failed = checked.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** Throws `RedisUnavailableError` unless the queue's connection is ready (waiting at most two seconds). */
  async assertReady(queue: Queue): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError(`Redis is not reachable at ${redisAddress(this.config.redisUrl)} (REDIS_URL)`)), READY_TIMEOUT_MS);
    });
    try {
      const client: unknown = await Promise.race([queue.backend.client, timeout]);
      if ((client as { status?: string }).status !== 'ready') throw new RedisUnavailableError(`Redis is not reachable at ${redisAddress(this.config.redisUrl)} (REDIS_URL)`);
    } finally {
      clearTimeout(timer);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => closeForGood(queue, CLOSE_TIMEOUT_MS)));
    for (const dispose of this.disposals) dispose();
  }
}

/** A job whose hash still holds what it was added with (BullMQ reads a missing name as undefined). */
export function isWhole(job: Job | undefined): boolean {
  return job !== undefined && typeof job.name === 'string' && job.name !== '';
}

/**
 * A job reacting to an event continues the trace of the command that wrote the event (its
 * traceparent travels in the job's trace): BullMQ's telemetry reads it as the job's parent context.
 */
function jobTelemetry(job: JobRequest): { telemetry?: { metadata: string } } {
  const traceparent = (job.data as { trace?: JobTrace }).trace?.traceparent;
  return traceparent === undefined ? {} : { telemetry: { metadata: bullmqTelemetryMetadata(traceparent) } };
}
