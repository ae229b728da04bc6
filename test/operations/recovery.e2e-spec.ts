import { eventually } from '@app/testing';
import { Queue } from 'bullmq';
import { recoveryJobs } from '../../src/relay/recovery-sweep';
import { Redis } from 'ioredis';
import { QueueProducer } from '../../src/queues/queue-producer';
import { QueueSchedules } from '../../src/queues/queue-schedules';
import { queuePrefix } from '../../src/queues/redis-connection';
import { createTestApp, deleteQueueKeys, type TestApp } from '../support/test-app';
import { expectAllTriagedOnce, fileMany } from '../support/triage-checks';
import type { RecordedEvent } from '@app/event-store';
import { WebhookReceiver } from '../support/webhook-receiver';

const RECONCILE_AFTER_MS = 1_000;

describe('Redis loses its data mid-load', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ clock: 'system', env: { RECONCILE_AFTER_MS: String(RECONCILE_AFTER_MS) } });
  });
  afterAll(async () => {
    await t.close();
    await deleteQueueKeys(t.config.redisUrl, t.config.queuePrefix);
  });

  it('every request is still triaged exactly once, and the recurring schedulers come back', async () => {
    const firstHalf = fileMany(t, 100);
    // Wipe every queue key of this app (jobs, their ids, the job schedulers) while filings arrive.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await deleteQueueKeys(t.config.redisUrl, t.config.queuePrefix);
    const ids = [...(await firstHalf), ...(await fileMany(t, 100))];
    await deleteQueueKeys(t.config.redisUrl, t.config.queuePrefix);

    await expectAllTriagedOnce(t, ids);

    const sla = new Queue('sla', { connection: { url: t.config.redisUrl }, prefix: queuePrefix(t.config.queuePrefix) });
    try {
      await eventually(async () => (await sla.getJobScheduler('sla-sweep')) !== undefined, { timeoutMs: 10_000 });
    } finally {
      await sla.close();
    }
  }, 120_000);
});

describe('webhook messages whose jobs Redis lost', () => {
  let t: TestApp;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    t = await createTestApp({ clock: 'system', env: { RECONCILE_AFTER_MS: String(RECONCILE_AFTER_MS), WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    hook = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await t.close();
    await hook.close();
    await deleteQueueKeys(t.config.redisUrl, t.config.queuePrefix);
  });

  it('are delivered within a few RECONCILE_AFTER_MS of the loss, with nothing but the service to find them', async () => {
    const partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
    const registered = await t.request({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${partner}` }, payload: { url: hook.url } });
    expect(registered.statusCode).toBe(201);
    const endpointId: string = registered.json().id;
    // Recorded by the fan-out a moment ago; its job went with Redis's data, and so did the
    // recurring sweep that looks for such deliveries.
    const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: { endpointId } });
    await t.pool.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, type, body, created_at) VALUES ('msg_lost00000000000000000000000002', $1, 'webhook.test', $2, now() - interval '2 seconds')`,
      [endpointId, body],
    );
    await deleteQueueKeys(t.config.redisUrl, t.config.queuePrefix);

    const message = await eventually(() => hook.messages.find((m) => m.headers['webhook-id'] === 'msg_lost00000000000000000000000002'), { timeoutMs: 15_000 });
    expect(message.json.type).toBe('webhook.test');
  }, 30_000);
});

describe('a job that survives a loss only in part', () => {
  let t: TestApp;
  let producer: QueueProducer;
  let redis: Redis;

  beforeAll(async () => {
    // No workers: nothing takes the job before the test looks at it.
    t = await createTestApp({ env: { APP_ROLE: 'api' } });
    producer = new QueueProducer(t.config);
    redis = new Redis(t.config.redisUrl);
  });
  afterAll(async () => {
    await producer.beforeApplicationShutdown();
    redis.disconnect();
    await t.close();
    await deleteQueueKeys(t.config.redisUrl, t.config.queuePrefix);
  });

  const job = { queue: 'triage', name: 'triage-request', data: { requestId: 'r1', trace: { causationId: 'e1', correlationId: 'c1' } }, jobId: 'e1-triage' } as const;

  it('is removed and added again: its hash alone no longer holds its id', async () => {
    await producer.add([job]);
    // The wait list loses the job, its hash stays: the state BullMQ calls unknown.
    await redis.lrem(`${queuePrefix(t.config.queuePrefix)}:triage:wait`, 0, job.jobId);
    const queue = producer.queue('triage');
    expect(await queue.getJobState(job.jobId)).toBe('unknown');
    await producer.add([job]);
    expect(await queue.getJobState(job.jobId)).toBe('unknown');

    await producer.restore([job]);
    expect(await queue.getJobState(job.jobId)).toBe('waiting');
    expect(await queue.getWaitingCount()).toBe(1);
  });

  it('a scheduler whose next run was lost gets one again; a whole one keeps its next run', async () => {
    const schedules = new QueueSchedules(t.config, producer);
    const sla = producer.queue('sla');
    await schedules.ensureRegistered();
    const next = (await sla.getJobScheduler('sla-sweep'))?.next;
    const nextJob = `repeat:sla-sweep:${String(next)}`;
    expect(await sla.getJobState(nextJob)).not.toBe('unknown');
    await schedules.ensureRegistered();
    expect((await sla.getJobScheduler('sla-sweep'))?.next).toBe(next);

    // The scheduler survives, its next run does not.
    const keys = `${queuePrefix(t.config.queuePrefix)}:sla`;
    await redis.multi().del(`${keys}:${nextJob}`).zrem(`${keys}:delayed`, nextJob).lrem(`${keys}:wait`, 0, nextJob).exec();
    expect(await sla.getJobState(nextJob)).toBe('unknown');

    await schedules.ensureRegistered();
    const restored = (await sla.getJobScheduler('sla-sweep'))?.next;
    expect(await sla.getJobState(`repeat:sla-sweep:${String(restored)}`)).not.toBe('unknown');
  });

  it('a job still waiting is left as it is, not added twice', async () => {
    const queue = producer.queue('triage');
    const before = await queue.getJob(job.jobId);
    await producer.restore([job]);
    expect(await queue.getWaitingCount()).toBe(1);
    expect((await queue.getJob(job.jobId))?.timestamp).toBe(before?.timestamp);
  });

  it('a job whose id is still waiting but whose hash is gone is added again whole', async () => {
    const hollow = { ...job, data: { ...job.data, requestId: 'r2' }, jobId: 'e2-triage' };
    const queue = producer.queue('triage');
    await producer.add([hollow]);
    await redis.del(`${queuePrefix(t.config.queuePrefix)}:triage:${hollow.jobId}`);
    expect(await queue.getJobState(hollow.jobId)).toBe('waiting');

    await producer.restore([hollow]);
    const restored = await queue.getJob(hollow.jobId);
    expect({ name: restored?.name, data: restored?.data }).toEqual({ name: 'triage-request', data: hollow.data });
    const waiting = await redis.lrange(`${queuePrefix(t.config.queuePrefix)}:triage:wait`, 0, -1);
    expect(waiting.filter((id) => id === hollow.jobId)).toHaveLength(1);
  });

  it('a hollow job a worker already failed is added again whole', async () => {
    const hollow = { ...job, data: { ...job.data, requestId: 'r3' }, jobId: 'e3-triage' };
    const keys = `${queuePrefix(t.config.queuePrefix)}:triage`;
    const queue = producer.queue('triage');
    // What a worker leaves of a job whose hash was lost: the fields it wrote when it took and failed it.
    await redis.multi().hset(`${keys}:${hollow.jobId}`, { processedOn: Date.now(), ats: 1, failedReason: 'lost' }).zadd(`${keys}:failed`, Date.now(), hollow.jobId).exec();
    expect(await queue.getJobState(hollow.jobId)).toBe('failed');

    await producer.restore([hollow]);
    expect((await queue.getJob(hollow.jobId))?.data).toEqual(hollow.data);
    expect(await queue.getJobState(hollow.jobId)).toBe('waiting');
  });
});

describe('the jobs a stuck request still needs', () => {
  const event = (type: string, data: Record<string, unknown>, eventId: string): RecordedEvent => ({
    position: 1,
    transactionId: '1',
    eventId,
    streamId: 'aid-request-r1',
    streamType: 'aid-request',
    version: 1,
    type,
    schemaVersion: 1,
    data: { requestId: 'r1', ...data },
    metadata: { correlationId: 'req-1' },
    recordedAt: new Date('2026-11-28T10:00:00Z'),
  });
  const now = new Date('2026-11-28T11:00:00Z');

  it('a filed request not triaged gets its triage job back, with the relay job id and trace', () => {
    expect(recoveryJobs([event('AidRequestFiled', {}, 'e1')], now)).toEqual([
      { queue: 'triage', name: 'triage-request', data: { requestId: 'r1', trace: { causationId: 'e1', correlationId: 'req-1' } }, jobId: 'e1-triage' },
    ]);
  });

  it('a triaged request needs no triage job', () => {
    expect(recoveryJobs([event('AidRequestFiled', {}, 'e1'), event('AidRequestTriaged', {}, 'e2')], now)).toEqual([]);
  });

  it('only released tranches that were not disbursed get their disbursement job back', () => {
    const jobs = recoveryJobs(
      [
        event('AidRequestFiled', {}, 'e1'),
        event('AidRequestTriaged', { track: 'capacity_building', priority: 3, acknowledgeBy: now.toISOString(), decideBy: now.toISOString() }, 'e2'),
        event('TrancheReleased', { tranche: 1 }, 'e3'),
        event('TrancheDisbursed', { tranche: 1 }, 'e4'),
        event('TrancheReleased', { tranche: 2 }, 'e5'),
      ],
      now,
    );
    expect(jobs.map((job) => job.jobId)).toEqual(['e5-disbursement']);
  });
});
