import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@app/testing';
import { findStuckRequests, STUCK_REQUESTS } from '../../src/relay/recovery-sweep';
import { genericPlan } from '../support/generic-plan';

/**
 * What the recovery sweep finds (requests waiting for a lost triage or disbursement job), and that
 * it finds them through partial indexes of the submitted requests and of the running grants, never
 * by reading every request view ever filed.
 */
describe('the recovery sweep’s stuck requests (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** A request view in `status`, last changed `agoMs` ago, whose view JSON holds `tranches`. */
  async function view(name: string, status: string, agoMs: number, tranches: unknown): Promise<string> {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO aid_request_views (id, country, kind, status, filed_at, updated_at, version, view)
       VALUES (gen_random_uuid(), 'KE', 'capacity_building', $1, now() - make_interval(secs => $2 / 1000.0), now() - make_interval(secs => $2 / 1000.0), 3,
               json_build_object('title', $3::text, 'tranches', $4::json))
       RETURNING id::text AS id`,
      [status, agoMs, name, JSON.stringify(tranches)],
    );
    return rows[0]!.id;
  }

  const released = { status: 'released', amount: 1_000 };
  const disbursed = { status: 'disbursed', amount: 1_000 };
  const HOUR = 3_600_000;

  it('finds the requests not triaged and the grants with a tranche released and not disbursed, waiting since before the cutoff', async () => {
    const untriaged = await view('untriaged', 'submitted', HOUR, []);
    await view('just filed', 'submitted', 0, []);
    await view('triaged', 'triaged', HOUR, []);
    const approved = await view('approved, released', 'approved', HOUR, [disbursed, released]);
    const paid = await view('approved, all disbursed', 'approved', HOUR, [disbursed, disbursed]);
    await view('approved, released a moment ago', 'approved', 0, [released]);
    await view('approved, no tranche yet', 'approved', HOUR, []);
    await view('closed', 'closed', HOUR, [disbursed]);

    const cutoff = new Date(Date.now() - HOUR / 2);
    expect((await findStuckRequests(pool, cutoff, 500)).sort()).toEqual([untriaged, approved].sort());
    expect(await findStuckRequests(pool, cutoff, 1)).toHaveLength(1);

    // Its tranche disbursed, a grant is no longer waiting; another's tranche released, it is.
    const tranches = (tranche: unknown) => JSON.stringify({ tranches: [tranche] });
    await pool.query('UPDATE aid_request_views SET view = $2::json WHERE id = $1', [approved, tranches(disbursed)]);
    await pool.query('UPDATE aid_request_views SET view = $2::json WHERE id = $1', [paid, tranches(released)]);
    await pool.query(`UPDATE aid_request_views SET status = 'triaged' WHERE id = $1`, [untriaged]);
    expect(await findStuckRequests(pool, cutoff, 500)).toEqual([paid]);
  });

  it('on a large analysed table, reads the indexes of the submitted requests and of the running grants, nothing else', async () => {
    // A fund's history: mostly closed or triaged requests, a few running grants.
    await pool.query(
      `INSERT INTO aid_request_views (id, country, kind, status, filed_at, updated_at, version, view)
       SELECT gen_random_uuid(), 'C' || chr(65 + g % 20), 'capacity_building',
              CASE WHEN g % 100 = 0 THEN 'approved' WHEN g % 2 = 0 THEN 'closed' ELSE 'triaged' END,
              now() - g * interval '1 minute', now() - g * interval '1 minute', 5,
              json_build_object('title', 'History', 'tranches', json_build_array(json_build_object('status', 'disbursed')))
         FROM generate_series(1, 50000) AS g`,
    );
    await pool.query('ANALYZE aid_request_views');
    const literal = STUCK_REQUESTS.replaceAll('$1', `now() - interval '1 minute'`).replace('$2', '500');
    for (const plan of [
      await genericPlan(db.url, STUCK_REQUESTS, `now() - interval '1 minute', 500`, 'timestamptz, int'),
      (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${literal}`)).rows.map((row) => row['QUERY PLAN']).join('\n'),
    ]) {
      expect(plan).toMatch(/Index Scan (using|on) aid_request_views_submitted_idx/);
      expect(plan).toMatch(/Index Scan (using|on) aid_request_views_approved_idx/);
      const scans = plan.split('\n').filter((line) => / Scan /.test(line) && !/Function Scan/.test(line));
      for (const scan of scans) expect(scan).toMatch(/aid_request_views_(submitted|approved)_idx|Bitmap Heap Scan on aid_request_views/);
    }
  });
});
