import type { Pool } from 'pg';
import pg from 'pg';
import { createTestDatabase, eventually, type TestDatabase } from '@app/testing';
import { PLANNED_ONCE_SESSION_OPTIONS } from '@app/event-store';
import { ASSESS_INCIDENTS, INCIDENT_ASSESSMENT_POOL } from '../../src/triage/jobs/incident-assessment.store';
import { genericPlan } from '../support/generic-plan';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The incident assessment is planned once per session of its own pool (PLANNED_ONCE_SESSION_OPTIONS):
 * that one plan must be the plan a large table wants — each request looked up by primary key, its
 * likely duplicates through the incidents' index — whether it was made on a new, empty table or on
 * a large analysed one (with the kind in the lookup, the empty table's plan scanned the whole
 * incidents' index for each request, and kept doing so as the table grew).
 */
describe('The incident assessment with a generic plan (real Postgres)', () => {
  const REQUESTS = 20_000;
  let db: TestDatabase;
  /** A new database's request views: empty, never analysed. */
  let fresh: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    fresh = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      // Half incidents of twenty countries, as a fund's history has them; statistics as a live table has them.
      await pool.query(
        `INSERT INTO aid_request_views (id, country, kind, status, filed_at, updated_at, version, view, detected_at)
         SELECT gen_random_uuid(), 'C' || chr(65 + g % 20), CASE WHEN g % 2 = 0 THEN 'incident_response' ELSE 'capacity_building' END,
                'triaged', now() - g * interval '1 minute', now(), 2, '{}',
                CASE WHEN g % 2 = 0 THEN now() - g * interval '1 minute' END
           FROM generate_series(1, $1::int) AS g`,
        [REQUESTS],
      );
      await pool.query('ANALYZE aid_request_views');
    } finally {
      await pool.end();
    }
  });

  afterAll(async () => {
    await db?.drop();
    await fresh?.drop();
  });

  it.each([
    ['a large analysed table', () => db],
    ['a new empty table', () => fresh],
  ])('on %s: each request by primary key, then its duplicates through the incidents index', async (_, on) => {
    const plan = await genericPlan(on().url, ASSESS_INCIDENTS, `ARRAY[gen_random_uuid(), gen_random_uuid()], ARRAY['a', 'b'], 'Urgent', 259200000, 5`);
    expect(plan).toMatch(/Index Scan using aid_request_views_pkey on aid_request_views \w+\n\s+Index Cond: \(id = t\.request_id\)/);
    // (A plain or a bitmap scan of that index: either reads only the country's incidents in the window.)
    expect(plan).toMatch(/Index Scan (using|on) aid_request_views_incidents_idx( on aid_request_views o)?\n\s+Index Cond: \(\(country = me\.country\) AND \(detected_at >=/);
    // Nothing else of the table is read: no other index, no scan of the whole table.
    const scans = plan.split('\n').filter((line) => / Scan .*aid_request_views/.test(line));
    for (const scan of scans) expect(scan).toMatch(/aid_request_views_pkey|aid_request_views_incidents_idx|Bitmap Heap Scan on aid_request_views o$/);
    expect(plan).not.toContain('Seq Scan');
  });

  it('in a crowd of incidents of one country detected at one moment, each assessment reads a handful of index entries', async () => {
    const CROWD = 3_000;
    const client = new pg.Client({ connectionString: db.url, options: PLANNED_ONCE_SESSION_OPTIONS });
    await client.connect();
    try {
      // One attack reported by every ministry it hit: the same country, the same detection time.
      await client.query(
        `INSERT INTO aid_request_views (id, country, kind, status, filed_at, updated_at, version, view, detected_at)
         SELECT gen_random_uuid(), 'CR', 'incident_response', 'triaged', now(), now(), 2, '{"title":"Wave"}', '2026-11-20T08:00:00Z'
           FROM generate_series(1, $1::int)`,
        [CROWD],
      );
      const { rows: crowd } = await client.query<{ id: string }>(`SELECT id::text AS id FROM aid_request_views WHERE country = 'CR' LIMIT 2`);
      await client.query(`PREPARE planned_once AS ${ASSESS_INCIDENTS}`);
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE planned_once (ARRAY['${crowd[0]!.id}', '${crowd[1]!.id}']::uuid[], ARRAY['a', 'b'], 'Urgent', 259200000, 5)`,
      );
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      // Each read of the incidents' index, per request: the rows it gave and those its filter removed.
      const reads = [...plan.matchAll(/Index Scan (?:Backward )?using aid_request_views_incidents_idx[^\n]*rows=(\d+) loops=(\d+)\)(?:\n\s+Index Cond:[^\n]*)?(?:\n\s+Filter:[^\n]*)?(?:\n\s+Rows Removed by Filter: (\d+))?/g)];
      expect(reads).toHaveLength(2);
      for (const [, given, loops, removed] of reads) {
        expect(Number(loops)).toBe(2);
        // Per loop: at most the five wanted and the request itself (removed rows are totals over the loops).
        expect(Number(given) + Number(removed ?? 0) / 2).toBeLessThanOrEqual(6);
      }
    } finally {
      await client.query(`DELETE FROM aid_request_views WHERE country = 'CR'`);
      await client.end();
    }
  });

  describe("in the worker's app", () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('an incident is assessed over the pool of its own, whose session plans the statement once', async () => {
      const token = await t.token('partner', { country: 'KE', sub: 'ke-csirt' });
      const filed = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${token}` }, payload: incidentBody() });
      expect(filed.statusCode).toBe(201);
      const id = (filed.json() as { id: string }).id;
      await eventually(async () => {
        const { rows } = await t.pool.query('SELECT 1 FROM notifications WHERE id = $1', [`${id}-urgent`]);
        return rows.length === 1 ? true : undefined;
      }, { timeoutMs: 15_000, intervalMs: 20 });

      const own = t.app.get<Pool>(INCIDENT_ASSESSMENT_POOL);
      expect(own.options.application_name).toBe(`cdt-fund-${t.config.role}-incident-assessment`);
      // The alert is seen committed a moment before the assessing session is back in the pool: wait
      // for it, so that the query below goes to that one session (the pool opened no other).
      await eventually(() => Promise.resolve(own.totalCount > 0 && own.idleCount === own.totalCount ? true : undefined), { timeoutMs: 5_000, intervalMs: 5 });
      expect(own.totalCount).toBe(1);
      const { rows } = await own.query<{ mode: string; generic: string; custom: string }>(
        `SELECT current_setting('plan_cache_mode') AS mode, generic_plans AS generic, custom_plans AS custom
           FROM pg_prepared_statements WHERE name = 'incident_assess'`,
      );
      expect(rows).toEqual([{ mode: 'force_generic_plan', generic: '1', custom: '0' }]);
    });
  });
});
