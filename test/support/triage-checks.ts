import { eventually } from '@app/testing';
import { Redis } from 'ioredis';
import { queuePrefix } from '../../src/queues/redis-connection';
import { capacityBody, incidentBody } from './requests';
import type { TestApp } from './test-app';

/** Files `count` requests for CR, half of each kind, twenty at a time; returns their ids. */
export async function fileMany(api: TestApp, count: number): Promise<string[]> {
  const partner = await api.token('partner', { country: 'CR', sub: 'cr-csirt' });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, (_, j) =>
        api.request({
          method: 'POST',
          url: '/v1/aid-requests',
          headers: { authorization: `Bearer ${partner}` },
          payload: (i + j) % 2 === 0 ? incidentBody({}, { sectors: [] }) : capacityBody(),
        }),
      ),
    );
    for (const response of batch) {
      expect(response.statusCode).toBe(201);
      ids.push(response.json().id);
    }
  }
  return ids;
}

/** How many AidRequestTriaged events each of these requests has. */
export async function triageCounts(api: TestApp, ids: string[]): Promise<Map<string, number>> {
  const { rows } = await api.pool.query<{ stream_id: string; n: number }>(
    `SELECT stream_id, count(*)::int AS n FROM events
     WHERE event_type = 'AidRequestTriaged' AND stream_id = ANY($1) GROUP BY stream_id`,
    [ids.map((id) => `aid-request-${id}`)],
  );
  return new Map(rows.map((r) => [r.stream_id.replace('aid-request-', ''), r.n]));
}

/** Waits until every request is triaged, then asserts each was triaged exactly once. */
export async function expectAllTriagedOnce(api: TestApp, ids: string[]): Promise<void> {
  let counts: Map<string, number>;
  try {
    counts = await eventually(
      async () => {
        const current = await triageCounts(api, ids);
        return current.size === ids.length ? current : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${await explainUntriaged(api, ids)}`, { cause: error });
  }
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}

/**
 * What became of the triage jobs of the requests still not triaged: the job's state and the
 * fields of its hash in Redis, and any dead letter. Printed when a test gives up waiting.
 */
async function explainUntriaged(api: TestApp, ids: string[]): Promise<string> {
  const triaged = await triageCounts(api, ids);
  const waiting = ids.filter((id) => !triaged.has(id));
  const { rows } = await api.pool.query<{ id: string; event_id: string; status: string | null }>(
    `SELECT e.stream_id AS id, e.event_id::text AS event_id, v.status AS status FROM events e
       LEFT JOIN aid_request_views v ON v.id::text = replace(e.stream_id, 'aid-request-', '')
      WHERE e.event_type = 'AidRequestFiled' AND e.stream_id = ANY($1)`,
    [waiting.map((id) => `aid-request-${id}`)],
  );
  const { rows: dead } = await api.pool.query<{ job_id: string; reason: string }>(`SELECT job_id, reason FROM dead_letters`);
  const redis = new Redis(api.config.redisUrl);
  try {
    const keys = `${queuePrefix(api.config.queuePrefix)}:triage`;
    const lines = await Promise.all(
      rows.slice(0, 10).map(async ({ id, event_id, status }) => {
        const jobId = `${event_id}-triage`;
        const [hash, waitPos, active, delayed, failed, completed, prioritized] = await Promise.all([
          redis.hgetall(`${keys}:${jobId}`),
          redis.lpos(`${keys}:wait`, jobId),
          redis.lpos(`${keys}:active`, jobId),
          redis.zscore(`${keys}:delayed`, jobId),
          redis.zscore(`${keys}:failed`, jobId),
          redis.zscore(`${keys}:completed`, jobId),
          redis.zscore(`${keys}:prioritized`, jobId),
        ]);
        const fields = Object.fromEntries(Object.entries(hash).filter(([field]) => ['name', 'atm', 'ats', 'failedReason', 'finishedOn', 'processedOn', 'timestamp'].includes(field)));
        const places = { wait: waitPos, active, delayed, failed, completed, prioritized };
        return `  ${id} (view status ${String(status)}): job ${jobId} hash ${JSON.stringify(fields)} in ${JSON.stringify(places)}`;
      }),
    );
    return [`${waiting.length} of ${ids.length} requests not triaged; the first of them:`, ...lines, `dead letters: ${JSON.stringify(dead.slice(0, 10))}`].join('\n');
  } finally {
    redis.disconnect();
  }
}
