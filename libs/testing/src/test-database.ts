import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The migrated template this test run clones from. Named per run (global setup picks the name and
 * passes it to the workers through the environment) so that concurrent runs never share one.
 */
export function testTemplateDatabase(): string {
  const name = process.env['CDT_TEST_TEMPLATE_DATABASE'];
  if (name === undefined) throw new Error('CDT_TEST_TEMPLATE_DATABASE is not set: run the tests with npm test (global setup)');
  return name;
}

/** The server the tests use; the only knob is TEST_DATABASE_SERVER_URL (default: local trust auth). */
export function testServerUrl(database = 'postgres'): string {
  const base = new URL(process.env['TEST_DATABASE_SERVER_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/${database}`;
  return base.toString();
}

export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template (fast: no migrations run). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `cdt_fund_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(async (client) => {
    // Concurrent clones of one template can briefly collide; retry a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${testTemplateDatabase()}`);
        return;
      } catch (error) {
        if (attempt >= 10 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  return {
    name,
    url: testServerUrl(name),
    drop: () =>
      withAdminClient(async (client) => {
        // Pools report "ended" a moment before their connections are gone; forcing the drop while
        // they close would hand each an error. Give them a second first.
        for (let waited = 0; waited < 1_000; waited += 50) {
          const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

/** The Redis the tests use: TEST_REDIS_URL (set by the global set-up when it started its own), else the local default. */
export function testRedisUrl(): string {
  return process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}
