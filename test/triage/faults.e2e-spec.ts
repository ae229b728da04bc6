import { eventually } from '@app/testing';
import { Queue } from 'bullmq';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createTestApp, deleteQueueKeys, TEST_JWT_SECRET, type TestApp } from '../support/test-app';
import { expectAllTriagedOnce, fileMany, triageCounts } from '../support/triage-checks';

const DEAD_REDIS = 'redis://127.0.0.1:6399';

describe('Redis is down while requests are filed', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await createTestApp({ env: { APP_ROLE: 'api' }, clock: 'system' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('accepts all 200 filings, and once Redis is back triages every one exactly once', async () => {
    // A worker whose relay can only reach a dead Redis: it keeps its checkpoint and retries.
    const stranded = await createTestApp({ database: api.db, clock: 'system', env: { APP_ROLE: 'worker', REDIS_URL: DEAD_REDIS } });
    const ids = await fileMany(api, 200);
    expect(ids).toHaveLength(200);
    const ready = await stranded.request({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.redis.status).toBe('down');
    expect((await triageCounts(api, ids)).size).toBe(0);
    await stranded.close();

    const worker = await createTestApp({ database: api.db, clock: 'system', env: { APP_ROLE: 'worker' } });
    try {
      await expectAllTriagedOnce(api, ids);
    } finally {
      await worker.close();
    }
  });
});

describe('the process running the relay dies mid-stream', () => {
  let api: TestApp;
  const children: ChildProcess[] = [];
  const prefix = `test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    // The worker runs as a real process from the build (npm test builds it when sources changed).
    const build = spawnSync(process.execPath, ['scripts/build-if-needed.cjs'], { stdio: 'inherit' });
    expect(build.status).toBe(0);
    api = await createTestApp({ env: { APP_ROLE: 'api' }, clock: 'system' });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await api.close();
    await deleteQueueKeys(api.config.redisUrl, prefix);
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ['dist/src/worker.js'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: api.db.url,
        REDIS_URL: api.config.redisUrl,
        QUEUE_PREFIX: prefix,
        JWT_SECRET: TEST_JWT_SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        RELAY_BATCH_SIZE: '5',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  it('lets another worker take over: nothing is skipped, nothing is triaged twice', async () => {
    const ids = await fileMany(api, 300);
    const first = startWorker();
    await eventually(async () => (await triageCounts(api, ids)).size >= 30, { timeoutMs: 30_000 });
    first.kill('SIGKILL');
    await once(first, 'exit');
    const partial = (await triageCounts(api, ids)).size;
    expect(partial).toBeLessThan(ids.length);

    startWorker();
    await expectAllTriagedOnce(api, ids);
    const { rows } = await api.pool.query<{ consumer: string }>("SELECT consumer FROM consumer_checkpoints WHERE consumer = 'relay'");
    expect(rows).toHaveLength(1);
  }, 120_000);
});

describe('a job that keeps failing', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ clock: 'system' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lands in dead_letters after its last attempt', async () => {
    const queue = new Queue('notifications', { connection: { url: t.config.redisUrl }, prefix: `{${t.config.queuePrefix}}` });
    const jobId = `broken-${randomUUID()}`;
    // Not a request id at all: the alert's lookup throws on every attempt.
    await queue.add(
      'send-alert',
      { alertId: jobId, kind: 'urgent_incident', requestId: 'not-a-uuid', trace: { causationId: 'x', correlationId: 'y' } },
      { jobId, attempts: 3, backoff: { type: 'fixed', delay: 10 } },
    );
    await queue.close();
    const letter = await eventually(async () => {
      const { rows } = await t.pool.query<{ queue: string; attempts: number; reason: string; payload: { requestId: string } }>(
        'SELECT queue, attempts, reason, payload FROM dead_letters WHERE job_id = $1',
        [jobId],
      );
      return rows[0];
    });
    expect(letter).toMatchObject({ queue: 'notifications', attempts: 3, payload: { requestId: 'not-a-uuid' } });
    expect(letter.reason).toMatch(/uuid/);
  });

  it('lands in dead_letters at once when the domain refuses it (retrying cannot help)', async () => {
    const queue = new Queue('triage', { connection: { url: t.config.redisUrl }, prefix: `{${t.config.queuePrefix}}` });
    const jobId = `missing-${randomUUID()}`;
    await queue.add('triage-request', { requestId: randomUUID(), trace: { causationId: 'x', correlationId: 'y' } }, { jobId, attempts: 8 });
    await queue.close();
    const letter = await eventually(async () => {
      const { rows } = await t.pool.query<{ attempts: number; reason: string }>('SELECT attempts, reason FROM dead_letters WHERE job_id = $1', [jobId]);
      return rows[0];
    });
    expect(letter.attempts).toBe(1);
    expect(letter.reason).toMatch(/not_found|does not exist/);
  });
});
