import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DomainError } from '@app/event-store';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Pool } from 'pg';
import { retryUntilDone } from '../common/retry-until-done';
import { ThrottledWarning } from '../common/throttled-warning';
import type { AppConfig } from '../config/app-config';
import type { PinoLogger } from 'nestjs-pino';
import type { JobProcessor } from './job-processor';
import { QUEUE_DEFINITIONS, QUEUE_NAMES, type JobTrace, type QueueName } from './queue-definitions';
import { isWhole } from './queue-producer';
import { queueTelemetry } from './queue-telemetry';
import { bullmqConnection, closeForGood, queuePrefix } from './redis-connection';
import type { RedisProbe } from './redis-probe';

/** What shutdown keeps for itself after the running jobs: closing queues and pools, releasing locks. */
const CLOSE_MARGIN_MS = 2_000;

/**
 * Runs one BullMQ worker per queue with its processor. A job that fails its last attempt is
 * written to `dead_letters` before BullMQ marks it failed, so no job is ever silently dropped.
 */
export class WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('workers');
  private readonly workers: Worker[] = [];
  /** Closes the cluster clients the workers were given (BullMQ leaves them open). */
  private readonly disposals: (() => void)[] = [];
  private readonly stopping = new AbortController();
  private readonly waitingForRedis = new ThrottledWarning(this.logger, 'waiting for Redis before starting the queue workers', 60_000);
  private starting?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly pool: Pool,
    private readonly redis: RedisProbe,
    private readonly processors: readonly JobProcessor<QueueName>[],
    /** Runs each job in a log context, so that every line logged while it runs names the job. */
    private readonly jobLog: Pick<PinoLogger, 'runInContext'>,
  ) {
    // Every queue has exactly one processor: a typo or a forgotten registration fails at start-up.
    for (const queue of QUEUE_NAMES) {
      const count = processors.filter((p) => p.queue === queue).length;
      if (count !== 1) throw new Error(`queue ${queue} has ${count} processors; it needs exactly one`);
    }
  }

  onApplicationBootstrap(): void {
    this.starting = this.startWhenRedisIsUp();
  }

  /**
   * BullMQ workers are started only once Redis answers: a worker created against an unreachable
   * Redis can be neither closed nor disconnected, and would hold the process open.
   */
  private async startWhenRedisIsUp(): Promise<void> {
    const up = await retryUntilDone(
      async () => {
        const redis = await this.redis.ping();
        if (redis.status !== 'up') throw new Error(redis.error);
      },
      { signal: this.stopping.signal, stepMs: 100, maxDelayMs: 2_000, onFailure: (error) => this.waitingForRedis.log(error) },
    );
    if (!up) return;
    for (const processor of this.processors) {
      const definition = QUEUE_DEFINITIONS[processor.queue];
      const { connection, dispose } = bullmqConnection(this.config, 'worker');
      this.disposals.push(dispose);
      const worker = new Worker(processor.queue, (job: Job) => this.run(processor, job), {
        connection,
        prefix: queuePrefix(this.config.queuePrefix),
        ...queueTelemetry(this.config),
        concurrency: definition.worker.concurrency,
        lockDuration: definition.worker.lockDurationMs,
        stalledInterval: definition.worker.stalledIntervalMs,
        ...(definition.worker.limiter ? { limiter: { ...definition.worker.limiter } } : {}),
        ...(processor.backoffDelayMs ? { settings: { backoffStrategy: (attemptsMade: number) => processor.backoffDelayMs?.(attemptsMade) ?? 1_000 } } : {}),
      });
      // Without an error listener a worker can stop processing silently.
      worker.on('error', (error) => this.logger.warn(`worker ${processor.queue}: ${error.message}`));
      this.workers.push(worker);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.starting;
    await Promise.all(
      // Running jobs get a bounded time to finish; past it (or with Redis gone) the connections
      // are cut and the jobs are recovered as stalled by another worker.
      this.workers.map((worker) => closeForGood(worker, Math.max(1_000, this.config.shutdownGraceMs - CLOSE_MARGIN_MS))),
    );
    for (const dispose of this.disposals) dispose();
  }

  private run(processor: JobProcessor<QueueName>, job: Job): Promise<void> {
    const trace = (job.data as { trace?: JobTrace } | undefined)?.trace;
    const bindings = {
      queue: job.queueName,
      jobId: job.id,
      correlationId: trace?.correlationId ?? job.id,
      ...(trace?.requestId === undefined ? {} : { requestId: trace.requestId }),
    };
    return this.jobLog.runInContext(() => this.runLogged(processor, job), { bindings });
  }

  private async runLogged(processor: JobProcessor<QueueName>, job: Job): Promise<void> {
    const startedAt = performance.now();
    if (!isWhole(job)) {
      // Its id survived a partial loss of Redis's data, its hash did not: there is nothing to run.
      const lost = new UnrecoverableError('the job lost its name and data in Redis; the recovery sweep adds the jobs of waiting requests again');
      await this.deadLetter(processor.queue, job, lost, job.attemptsMade + 1);
      throw lost;
    }
    try {
      await processor.process(job as Parameters<typeof processor.process>[0]);
      this.logger.debug(`${job.name} done in ${Math.round(performance.now() - startedAt)} ms`);
    } catch (error) {
      // The domain refusing the command will refuse it again: retrying cannot help.
      const permanent = error instanceof DomainError || error instanceof UnrecoverableError;
      const attempts = job.opts.attempts ?? 1;
      if (permanent || job.attemptsMade + 1 >= attempts) {
        await this.deadLetter(processor.queue, job, error, job.attemptsMade + 1);
      }
      if (permanent && !(error instanceof UnrecoverableError)) throw new UnrecoverableError(`${(error).code}: ${(error).message}`);
      throw error;
    }
  }

  private async deadLetter(queue: QueueName, job: Job, error: unknown, attempts: number): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.error(`job ${queue}/${job.id ?? '?'} failed for good after ${attempts} attempts: ${reason}`);
    try {
      await this.pool.query(
        `INSERT INTO dead_letters (queue, job_id, job_name, reason, attempts, payload) VALUES ($1, $2, $3, $4, $5, $6)`,
        [queue, job.id ?? '', isWhole(job) ? job.name : '', reason.slice(0, 2000), attempts, JSON.stringify(job.data)],
      );
    } catch (writeError) {
      // The job stays in BullMQ's failed set (kept 30 days) even when this write fails.
      this.logger.error(`could not record dead letter ${queue}/${job.id ?? '?'}: ${String(writeError)}`);
    }
  }
}
