import { randomBytes } from 'node:crypto';
import { eventually, testRedisUrl } from '@app/testing';
import { Queue, Worker, type Job } from 'bullmq';
import { unfinishedJobs } from '../../bench/chaos/unfinished-jobs';
import { deleteQueueKeys } from '../support/test-app';

/** The chaos harness's "work left" in Redis, against a real Redis and a real BullMQ worker. */
describe('unfinishedJobs', () => {
  const prefix = `test-unfinished-${randomBytes(4).toString('hex')}`;
  const connection = { url: testRedisUrl() };
  const queues = ['work', 'timers'].map((name) => new Queue(name, { connection, prefix: `{${prefix}}` }));
  const [work, timers] = queues as [Queue, Queue];

  afterAll(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    await deleteQueueKeys(testRedisUrl(), prefix);
  });

  it('counts waiting jobs and retries in backoff, not timers, and nothing once the work is done', async () => {
    expect(await unfinishedJobs(queues)).toBe(0);
    // A timer an hour away and a recurring job's next run: never attempted, not work left.
    await timers.add('report-due', {}, { delay: 3_600_000, jobId: 'timer' });
    await timers.upsertJobScheduler('sweep', { every: 3_600_000, startDate: Date.now() + 3_600_000 }, { name: 'sweep' });
    expect(await timers.getDelayedCount()).toBe(2);
    expect(await unfinishedJobs(queues)).toBe(0);

    await work.add('once', {}, { jobId: 'once' });
    await work.add('flaky', {}, { jobId: 'flaky', attempts: 2, backoff: { type: 'fixed', delay: 60_000 } });
    expect(await unfinishedJobs(queues)).toBe(2);

    // The worker finishes `once`; `flaky` fails its first attempt and waits a minute to retry.
    const worker = new Worker(
      'work',
      (job: Job) => {
        if (job.name === 'flaky') throw new Error('not yet');
        return Promise.resolve();
      },
      { connection, prefix: `{${prefix}}` },
    );
    try {
      await eventually(async () => (await work.getJob('flaky'))?.attemptsMade === 1);
      await eventually(async () => (await work.getJobState('once')) === 'completed');
      expect(await work.getJobState('flaky')).toBe('delayed');
      expect(await unfinishedJobs(queues)).toBe(1);

      await (await work.getJob('flaky'))!.remove();
      expect(await unfinishedJobs(queues)).toBe(0);
    } finally {
      await worker.close();
    }
  });
});
