import type { Queue } from 'bullmq';

/**
 * The jobs of `queues` not finished yet: waiting, running, prioritized or waiting for children,
 * and retries waiting out their backoff (delayed jobs already attempted). Delayed jobs never
 * attempted are timers — a grant's report due dates, a queue's recurring sweep — not work left;
 * a recurring sweep counts only while it runs (milliseconds).
 */
export async function unfinishedJobs(queues: readonly Queue[]): Promise<number> {
  const perQueue = await Promise.all(
    queues.map(async (queue) => {
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
      const retries = (await queue.getDelayed()).filter((job) => job.attemptsMade > 0).length;
      return Object.values(counts).reduce((a, b) => a + b, 0) + retries;
    }),
  );
  return perQueue.reduce((a, b) => a + b, 0);
}
