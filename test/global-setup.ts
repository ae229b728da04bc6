import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { prepareDatabase } from '../src/database/prepare-database';
import { startChildRedis } from '../src/local-services/child-redis';
import { startEmbeddedPostgres } from '../src/local-services/embedded-postgres';
import type { LocalServer } from '../src/local-services/local-server';
import { answers } from '../src/local-services/ports';
import { testServerUrl } from '../libs/testing/src/test-database';
import { buildIfNeeded } from './support/build';

/** What the global set-up started; the teardown (same process) stops it. */
export const STARTED_SERVERS = Symbol.for('cdt-fund.test.started-servers');

export interface StartedServer {
  readonly server: LocalServer;
  /** Its temporary data folder, removed after the run. */
  readonly folder: string;
}

/**
 * The servers first: the machine's PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379 when
 * they answer (or TEST_DATABASE_SERVER_URL / TEST_REDIS_URL), else an embedded PostgreSQL and a
 * child redis-server in a temporary folder, so that `npm test` needs only Node and redis-server.
 * Then one migrated template database for this run; every test file clones its own database from
 * it. Names and URLs reach the test workers through the environment they inherit.
 * TEST_OWN_SERVERS=1 starts the run's own servers even when the machine's answer. dist/ is built
 * first when it is older than the sources.
 */
export default async function globalSetup(): Promise<void> {
  const logger = pino({ level: 'info' });
  // Tests that start the built service would otherwise each find dist/ stale and rebuild it, one
  // deleting it while another's service starts from it: built once here, before any test runs.
  buildIfNeeded();
  const started: StartedServer[] = [];
  (globalThis as Record<symbol, unknown>)[STARTED_SERVERS] = started;
  const own = process.env['TEST_OWN_SERVERS'] === '1';
  if (process.env['TEST_DATABASE_SERVER_URL'] === undefined && (own || !(await answers('127.0.0.1', 5432)))) {
    const folder = await mkdtemp(join(tmpdir(), 'cdt-fund-test-'));
    const postgres = await startEmbeddedPostgres(folder, logger);
    started.push({ server: postgres, folder });
    process.env['TEST_DATABASE_SERVER_URL'] = postgres.url;
  }
  if (process.env['TEST_REDIS_URL'] === undefined && (own || !(await answers('127.0.0.1', 6379)))) {
    const folder = await mkdtemp(join(tmpdir(), 'cdt-fund-test-'));
    const redis = await startChildRedis(folder, logger);
    started.push({ server: redis, folder });
    process.env['TEST_REDIS_URL'] = redis.url;
  }

  const name = `cdt_fund_test_template_${randomBytes(4).toString('hex')}`;
  process.env['CDT_TEST_TEMPLATE_DATABASE'] = name;
  await prepareDatabase(testServerUrl(name));
}
