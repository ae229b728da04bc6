import { createTestDatabase, eventually, withAdminClient, type TestDatabase } from '@app/testing';
import { queryKeepingConnection } from '@app/event-store';
import { createPgPool } from '../../src/database/pg-pool';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const config = (url: string) => ({ url, poolSize: 2, statementTimeoutMs: 5_000, idleInTransactionTimeoutMs: 5_000 });

/** What PostgreSQL's fast shutdown does to every session: 57P01, "terminating connection due to administrator command". */
async function terminate(applicationName: string): Promise<number> {
  return withAdminClient(async (admin) => {
    const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    return rowCount ?? 0;
  });
}

describe('a session ended by the server (PostgreSQL restarting)', () => {
  it('does not crash the process while a client is checked out between two queries', async () => {
    const pool = createPgPool(config(db.url), 'connection-loss-held');
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(error);
    };
    process.on('uncaughtException', onUncaught);
    try {
      const client = await pool.connect();
      await client.query('SELECT 1');
      expect(await terminate('connection-loss-held')).toBe(1);
      // The server's FATAL message arrives while no query runs: node-postgres emits it as 'error'.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(new Error('connection lost'));
      expect(uncaught).toEqual([]);
      await expect(pool.query('SELECT 1 AS ok')).resolves.toMatchObject({ rows: [{ ok: 1 }] });
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });

  it('a statement cut off by it does not put the dead connection back in the pool', async () => {
    const pool = createPgPool(config(db.url), 'connection-loss-query');
    try {
      await pool.query('SELECT 1');
      const running = queryKeepingConnection(pool, { text: 'SELECT pg_sleep(5)' });
      await eventually(async () => (await terminate('connection-loss-query')) === 1 || undefined);
      await expect(running).rejects.toMatchObject({ code: '57P01' });
      // The pool holds no dead session: the next statements all work.
      for (let i = 0; i < 4; i++) await expect(queryKeepingConnection(pool, { text: 'SELECT 1 AS ok' })).resolves.toMatchObject({ rows: [{ ok: 1 }] });
    } finally {
      await pool.end();
    }
  });
});
