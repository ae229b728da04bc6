import { createTestDatabase, type TestDatabase } from '@app/testing';
import pg from 'pg';
import { prepareDatabase } from '../../src/database/prepare-database';
import { assertTransactionHorizon, TransactionHorizonError } from '../../src/database/transaction-horizon';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('start-up after a restore from a logical dump', () => {
  it('starts when the stored transaction ids are behind the cluster', async () => {
    const pool = new pg.Pool({ connectionString: db.url });
    await pool.query(
      `INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, data)
       VALUES (gen_random_uuid(), 's-1', 's', 1, 'Happened', '{}')`,
    );
    await pool.end();
    await expect(prepareDatabase(db.url)).resolves.toEqual([]);
  });

  it('refuses to start, naming the fix, when stored transaction ids are ahead of the cluster', async () => {
    const pool = new pg.Pool({ connectionString: db.url });
    // What a restored log looks like: ids written by the old cluster, far past this one's counter.
    const ahead = (5n << 32n) + 42n;
    await pool.query(
      `INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, data, transaction_id)
       VALUES (gen_random_uuid(), 's-2', 's', 1, 'Happened', '{}', $1::xid8)`,
      [ahead.toString()],
    );
    await pool.end();
    const attempt = assertTransactionHorizon(db.url);
    await expect(attempt).rejects.toBeInstanceOf(TransactionHorizonError);
    await expect(assertTransactionHorizon(db.url)).rejects.toThrow(/pg_resetwal -e 6 /);
  });
});
