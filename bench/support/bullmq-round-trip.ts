import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { queuePrefix, redisOptions } from '../../src/queues/redis-connection';

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
    const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), sleep(5_000)]);
    await bounded(worker.close());
    await bounded(queue.close());
  }
}
