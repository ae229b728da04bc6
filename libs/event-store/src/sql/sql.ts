import type { Pool, PoolClient, QueryResultRow } from 'pg';

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
