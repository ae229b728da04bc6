import { createTestDatabase, type TestDatabase } from '@app/testing';
import pg from 'pg';
import { AID_REQUEST_VIEW_PROJECT_FUNCTION } from '../../src/aid-requests/projections/aid-request-view.projection';
import { FUND_VIEW_PROJECT_FUNCTION } from '../../src/funds/projections/fund-view.projection';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 1 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

/** The function's name and body as its CREATE statement gives them. */
function parse(createStatement: string): { name: string; body: string } {
  const match = /^CREATE OR REPLACE FUNCTION (\w+)\(p jsonb\)[^$]*\$\$([\s\S]*)\$\$$/.exec(createStatement);
  if (match === null) throw new Error(`not a projection function: ${createStatement.slice(0, 80)}`);
  return { name: match[1]!, body: match[2]! };
}

/**
 * Each projection's SQL lives in its projection file and reaches the database only through a
 * migration. A projection whose SQL changed without a migration that re-installs it fails here.
 */
describe('projection functions', () => {
  it.each([
    ['aid request view', AID_REQUEST_VIEW_PROJECT_FUNCTION],
    ['fund view', FUND_VIEW_PROJECT_FUNCTION],
  ])('the migrated database runs the %s projection exactly as its file writes it', async (_, statement) => {
    const { name, body } = parse(statement);
    const { rows } = await pool.query<{ prosrc: string }>('SELECT prosrc FROM pg_proc WHERE proname = $1', [name]);
    expect(rows.map((row) => row.prosrc)).toEqual([body]);
  });
});
