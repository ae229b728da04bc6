import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { QUEUE_DEFINITIONS } from '../../src/queues/queue-definitions';
import { queuePrefix, redisOptions } from '../../src/queues/redis-connection';
import { cpuMsOfCommand } from './app-cpu-window';

/** Waits for a close at most five seconds, whatever its outcome. */
function bounded(closing: Promise<unknown>): Promise<unknown> {
  return Promise.race([closing.catch(() => undefined), sleep(5_000)]);
}

export interface RoundTripOptions {
  readonly redisUrl: string;
  /** The key prefix of the bench's own queue (removed by the caller's cleanup). */
  readonly prefix: string;
  readonly warmupJobs: number;
  readonly jobs: number;
  readonly log: (line: string) => void;
}

/**
 * The baseline the queue benches compare against: a bare BullMQ add → process → completed round
 * trip, one job at a time on a queue of its own, in milliseconds (warm-up jobs left out).
 */
export async function bullmqRoundTrips(options: RoundTripOptions): Promise<number[]> {
  const connection = redisOptions(options.redisUrl, 'worker');
  const prefix = queuePrefix(options.prefix);
  const queue = new Queue('roundtrip', { connection, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const waiting = new Map<string, (at: number) => void>();
  const worker = new Worker('roundtrip', () => Promise.resolve(), { connection, prefix, concurrency: 1 });
  queue.on('error', (error) => options.log(`  bullmq baseline queue: ${error.message}`));
  worker.on('error', (error) => options.log(`  bullmq baseline worker: ${error.message}`));
  worker.on('completed', (job) => {
    const at = performance.now();
    if (job.id !== undefined) waiting.get(job.id)?.(at);
  });
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    const samples: number[] = [];
    for (let i = 0; i < options.warmupJobs + options.jobs; i++) {
      const jobId = `rt-${i}`;
      let timer: NodeJS.Timeout | undefined;
      const completed = new Promise<number>((resolve, reject) => {
        waiting.set(jobId, resolve);
        timer = setTimeout(() => reject(new Error(`bullmq baseline: job ${jobId} not completed within 10 s`)), 10_000);
      });
      const t0 = performance.now();
      await queue.add('noop', {}, { jobId });
      const t1 = await completed.finally(() => clearTimeout(timer));
      waiting.delete(jobId);
      if (i >= options.warmupJobs) samples.push(t1 - t0);
    }
    return samples;
  } finally {
    await bounded(worker.close());
    await bounded(queue.close());
  }
}

export interface JobCpuOptions {
  readonly redisUrl: string;
  /** The key prefix of the bench's own queue (removed by the caller's cleanup). */
  readonly prefix: string;
  readonly jobs: number;
  readonly log: (line: string) => void;
}

export interface JobCpu {
  /** CPU of this process (the producer and the worker) and of redis-server, per job, in ms. */
  readonly perJobMs: number;
  readonly nodeMs: number;
  readonly redisMs: number;
  readonly perS: number;
}

/**
 * The CPU floor of a queued step: bare BullMQ jobs at saturation, added in bulk as the relay adds
 * them (100 at a time, with the triage queue's job options: attempts, retention) and run by a
 * worker of the triage queue's concurrency doing nothing. Measured in this process, before the
 * app starts, so the only other user of Redis is none: a triaged request costs two such jobs
 * (its triage job and its track's) on top of its own work.
 */
export async function bullmqJobCpu(options: JobCpuOptions): Promise<JobCpu> {
  const connection = redisOptions(options.redisUrl, 'worker');
  const prefix = queuePrefix(options.prefix);
  const definition = QUEUE_DEFINITIONS.triage;
  const queue = new Queue('cpu-floor', { connection, prefix, defaultJobOptions: definition.jobOptions });
  let completed = 0;
  let allDone: (() => void) | undefined;
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const worker = new Worker('cpu-floor', () => Promise.resolve(), { connection, prefix, concurrency: definition.worker.concurrency, autorun: false });
  queue.on('error', (error) => options.log(`  bullmq cpu floor queue: ${error.message}`));
  worker.on('error', (error) => options.log(`  bullmq cpu floor worker: ${error.message}`));
  worker.on('completed', () => {
    if (++completed === options.jobs) allDone?.();
  });
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    const node0 = process.cpuUsage();
    const redis0 = cpuMsOfCommand('redis-server');
    const t0 = performance.now();
    void worker.run();
    for (let i = 0; i < options.jobs; i += 100) {
      const ids = Array.from({ length: Math.min(100, options.jobs - i) }, (_, k) => `floor-${i + k}`);
      await queue.addBulk(ids.map((jobId) => ({ name: 'noop', data: { requestId: jobId }, opts: { jobId } })));
    }
    await done;
    const wallMs = performance.now() - t0;
    const node = process.cpuUsage(node0);
    const nodeMs = (node.user + node.system) / 1000;
    const redisMs = cpuMsOfCommand('redis-server') - redis0;
    return { perJobMs: (nodeMs + redisMs) / options.jobs, nodeMs: nodeMs / options.jobs, redisMs: redisMs / options.jobs, perS: (options.jobs * 1000) / wallMs };
  } finally {
    await bounded(worker.close());
    await bounded(queue.obliterate({ force: true }));
    await bounded(queue.close());
  }
}
