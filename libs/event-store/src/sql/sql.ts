import { DatabaseError, type Pool, type PoolClient, type QueryConfig, type QueryResultRow } from 'pg';

/** Anything that runs a parameterised statement: the pool itself or a client inside a transaction. */
export interface Sql {
  query<R extends QueryResultRow>(text: string | { name: string; text: string; values: unknown[] }, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * Runs `work` in one transaction on one pooled connection. A connection whose ROLLBACK fails is
 * destroyed rather than returned to the pool in an unknown state.
 */
export async function inTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * One statement on a pooled connection, which goes back to the pool even when the server refuses
 * the statement. `pool.query` discards the connection on any error; but a statement the server
 * refused ran in a transaction of its own, which the refusal rolled back, so the session is as
 * clean as after a success. Discarding it would cost a new connection (and the session's plans:
 * about 50 ms here) for every refused append. Any other failure (the connection itself, or a
 * FATAL error with which the server ends the session) still discards it.
 */
export async function queryKeepingConnection<R extends QueryResultRow>(pool: Pool, query: QueryConfig): Promise<{ rows: R[] }> {
  const client = await pool.connect();
  try {
    const result = await client.query<R>(query);
    client.release();
    return result;
  } catch (error) {
    // A statement's own error leaves the session usable; a FATAL one (the server ending the session,
    // as a restart does with 57P01) or a lost connection does not: that client is discarded.
    client.release(error instanceof DatabaseError && !endsSession(error) ? undefined : (error as Error));
    throw error;
  }
}

/** A server error after which the session is gone (severity FATAL or PANIC). */
function endsSession(error: DatabaseError): boolean {
  return error.severity === 'FATAL' || error.severity === 'PANIC';
}

/** Postgres SQLSTATE of a driver error, if it carries one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function constraintName(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'constraint' in error) {
    const name = error.constraint;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
