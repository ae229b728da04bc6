import { createTestDatabase, type TestDatabase } from '@app/testing';
import pg from 'pg';
import { MISSED_DEADLINES_SQL } from '../../src/aid-requests/projections/aid-request-view.store';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

/** Every node of a plan, depth first. */
function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

describe('the SLA sweep looks for passed deadlines', () => {
  it('through indexes only: its cost follows open requests and running grants, not every request ever filed', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // With sequential scans priced out, the planner still picks one where no index can serve.
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${MISSED_DEADLINES_SQL}`, [new Date(), 100]);
      const plan = nodes(rows[0]!['QUERY PLAN'][0].Plan);
      expect(plan.filter((node) => node['Relation Name'] === 'aid_request_views').map((node) => node['Node Type'])).not.toContain('Seq Scan');
      expect(plan.flatMap((node) => node['Index Name'] ?? []).sort()).toEqual(
        ['aid_request_views_acknowledge_due_idx', 'aid_request_views_approved_idx', 'aid_request_views_decide_due_idx'],
      );
    } finally {
      await client.end();
    }
  });
});
