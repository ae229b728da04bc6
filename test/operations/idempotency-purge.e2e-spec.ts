import { eventually } from '@app/testing';
import { Queue } from 'bullmq';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  // The test clock says 2026-11-28T10:00Z; keys are kept 24 hours.
  t = await createTestApp({ env: { IDEMPOTENCY_KEY_TTL_HOURS: '24' } });
});
afterAll(async () => {
  await t.close();
});

describe('idempotency keys', () => {
  it('are forgotten after IDEMPOTENCY_KEY_TTL_HOURS by the maintenance queue, and not before', async () => {
    await t.pool.query(
      `INSERT INTO idempotency_keys (actor, scope, key, request_hash, response, created_at) VALUES
         ('cr', 'POST /v1/aid-requests', 'old', 'h', '{}', '2026-11-27T09:59:00Z'),
         ('cr', 'POST /v1/aid-requests', 'fresh', 'h', '{}', '2026-11-27T10:01:00Z')`,
    );
    const queue = new Queue('maintenance', { connection: { url: t.config.redisUrl }, prefix: `{${t.config.queuePrefix}}` });
    try {
      await queue.add('purge-idempotency-keys', {}, { jobId: 'purge-now' });
      await eventually(async () => (await queue.getJobState('purge-now')) === 'completed');
    } finally {
      await queue.close();
    }
    const { rows } = await t.pool.query<{ key: string }>("SELECT key FROM idempotency_keys WHERE key IN ('old', 'fresh') ORDER BY key");
    expect(rows.map((r) => r.key)).toEqual(['fresh']);
  });
});
