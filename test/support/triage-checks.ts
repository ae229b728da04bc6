import { eventually } from '@app/testing';
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
  const counts = await eventually(
    async () => {
      const current = await triageCounts(api, ids);
      return current.size === ids.length ? current : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}
