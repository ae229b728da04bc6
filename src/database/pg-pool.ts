import pg from 'pg';
import type { DatabaseConfig } from '../config/app-config';

/**
 * The process's one connection pool. Statement and idle-in-transaction timeouts keep a stuck
 * transaction from holding back every event-log consumer (they read only below the oldest open
 * transaction).
 */
export function createPgPool(config: DatabaseConfig, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    application_name: applicationName,
    statement_timeout: config.statementTimeoutMs,
    idle_in_transaction_session_timeout: config.idleInTransactionTimeoutMs,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its connection emits here; without a listener the process dies.
  pool.on('error', () => undefined);
  return pool;
}

export const PG_POOL = Symbol('PG_POOL');
