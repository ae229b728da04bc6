import pg from 'pg';
import type { DatabaseConfig } from '../config/app-config';

/** A pool other than the process's main one: its size, and the options of its sessions. */
export interface PgPoolShape {
  readonly max: number;
  readonly options: string;
}

/**
 * The process's connection pool (or, with `shape`, a small one of a particular kind of session).
 * Statement and idle-in-transaction timeouts keep a stuck transaction from holding back every
 * event-log consumer (they read only below the oldest open transaction).
 */
export function createPgPool(config: DatabaseConfig, applicationName: string, shape?: PgPoolShape): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: shape?.max ?? config.poolSize,
    ...(shape && { options: shape.options }),
    application_name: applicationName,
    statement_timeout: config.statementTimeoutMs,
    idle_in_transaction_session_timeout: config.idleInTransactionTimeoutMs,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its connection emits here; without a listener the process dies.
  pool.on('error', () => undefined);
  keepClientErrorsFromCrashing(pool);
  return pool;
}

/**
 * A client checked out of the pool has no error listener of the pool's while it is out, and
 * node-postgres emits a server's message that arrives between two queries (PostgreSQL's fast
 * shutdown sends 57P01 to every session) as an 'error' event: without a listener, the process
 * dies. Every client gets one for its whole life; the client is then unusable, its next query
 * fails, and the code holding it releases it as broken.
 */
export function keepClientErrorsFromCrashing(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
}

export const PG_POOL = Symbol('PG_POOL');
