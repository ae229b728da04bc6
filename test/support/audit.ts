import { eventually } from '@app/testing';
import { capacityBody, incidentBody } from './requests';
import type { TestApp } from './test-app';

async function count(t: TestApp, sql: string): Promise<number> {
  const { rows } = await t.pool.query<{ n: string | null }>(sql);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Waits until the log is quiet (no new event between two looks), at least `triaged` requests (default 0) are
 * triaged, every event is sealed and the latest checkpoint covers them all; returns the event count.
 */
export async function waitUntilSealed(t: TestApp, options: { triaged?: number; timeoutMs?: number } = {}): Promise<number> {
  let previous = -1;
  return eventually(
    async () => {
      const n = await count(t, 'SELECT count(*)::text AS n FROM events');
      const stable = n === previous;
      previous = n;
      if (!stable) return undefined;
      if ((await count(t, "SELECT count(*)::text AS n FROM events WHERE event_type = 'AidRequestTriaged'")) < (options.triaged ?? 0)) return undefined;
      const signed = await count(t, 'SELECT max(tree_size)::text AS n FROM audit_checkpoints');
      return signed === n ? n : undefined;
    },
    { timeoutMs: options.timeoutMs ?? 20_000, intervalMs: 300 },
  );
}

/**
 * The audit specs' history: an incident and a capacity request from CR, a capacity request from PA
 * (tokens given), each answered 201; returns their ids once all are triaged and sealed.
 */
export async function fileAuditedRequests(t: TestApp, tokens: { readonly cr: string; readonly pa: string }): Promise<string[]> {
  const ids: string[] = [];
  for (const [body, token] of [
    [incidentBody(), tokens.cr],
    [capacityBody(), tokens.cr],
    [capacityBody({ actionArea: 'data_governance' }, { sectors: [] }), tokens.pa],
  ] as const) {
    const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${token}` }, payload: body });
    expect(response.statusCode).toBe(201);
    ids.push(response.json().id);
  }
  // Quiescent: nothing new recorded between two looks, all of it sealed and covered by the latest checkpoint.
  await waitUntilSealed(t, { triaged: ids.length });
  return ids;
}
