import { createTestDatabase, eventually, type TestDatabase } from '@app/testing';
import pg from 'pg';
import { MIGRATION_LOCK_KEY, prepareDatabase } from '../../src/database/prepare-database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** The session of this database waiting for the migration lock (a start-up in progress), other than `except`. */
async function waitingForMigrationLock(admin: pg.Client, except?: number): Promise<number | undefined> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid IS DISTINCT FROM $1 AND query LIKE 'SELECT pg_advisory_lock%'`,
    [except ?? null],
  );
  return rows[0]?.pid;
}

describe('a start-up that meets PostgreSQL going down', () => {
  it('prepares the database again once its session is ended by the server, without crashing the process', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(error);
    };
    process.on('uncaughtException', onUncaught);
    // Hold the start-up at the migration lock, so its session can be ended mid-step.
    await admin.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const retries: string[] = [];
    const preparing = prepareDatabase(db.url, { onRetry: (reason) => retries.push(reason) });
    const outcome = preparing.then(
      (applied) => ({ applied }),
      (error: unknown) => ({ error }),
    );
    try {
      const first = await eventually(() => waitingForMigrationLock(admin));
      // What a fast shutdown does to every session: 57P01.
      await admin.query('SELECT pg_terminate_backend($1)', [first]);
      // The second attempt waits for the lock in a session of its own.
      await eventually(() => waitingForMigrationLock(admin, first));
      expect(retries).toEqual(['terminating connection due to administrator command']);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await admin.end();
      process.off('uncaughtException', onUncaught);
    }
    expect(await outcome).toEqual({ applied: [] });
    expect(uncaught).toEqual([]);
  });

  it('a database that refuses connections from the start is reported at once', async () => {
    const started = Date.now();
    const closed = new URL(db.url);
    closed.port = '1';
    await expect(prepareDatabase(closed.toString())).rejects.toThrow(/cannot reach PostgreSQL at 127\.0\.0\.1:1 \(DATABASE_URL\): connection refused/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
