import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { assertTransactionHorizon } from './transaction-horizon';
import { startupClient, whilePostgresRestarts } from './while-postgres-restarts';

/** Serialises migrations when several processes start at once (api and worker side by side). */
export const MIGRATION_LOCK_KEY = 4_215_017_001;

/** Creates the database named in `url` if it does not exist yet. */
export async function createDatabaseIfMissing(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (name === '') throw new Error('DATABASE_URL names no database');
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = await startupClient(maintenance.toString());
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } catch (error) {
        // Another process created it between our check and our CREATE.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/** Applies every pending migration, one at a time across all processes. Returns the names applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const lock = await startupClient(url);
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const dataSource = new DataSource({
      type: 'postgres',
      url,
      migrations: MIGRATIONS,
      migrationsTableName: 'migrations',
      synchronize: false,
      logging: false,
    });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.end();
  }
}

/** A start-up failure an operator can act on: printed as it is, without a stack trace. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
}

const CONNECTION_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  '28P01': 'password authentication failed',
  '28000': 'no access for this user',
};

/** `host:port` of a database URL, without its credentials. */
export function databaseAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname || '127.0.0.1'}:${parsed.port || '5432'}`;
}

/** Turns "cannot connect" into one sentence naming DATABASE_URL and the address; anything else passes through. */
export function explainConnectionFailure(url: string, error: unknown): unknown {
  const code = (error as { code?: string } | null)?.code;
  const reason = code === undefined ? undefined : CONNECTION_FAILURES[code];
  if (reason === undefined) return error;
  return new DatabaseUnreachableError(
    `cannot reach PostgreSQL at ${databaseAddress(url)} (DATABASE_URL): ${reason}. ` +
      'Start PostgreSQL there, or set DATABASE_URL to one that runs.',
  );
}

export interface PrepareOptions {
  /** Told of each attempt made again, with the reason. */
  readonly onRetry?: (reason: string, attempt: number) => void;
}

/**
 * Everything the service needs before it starts: the database, its schema, and a sane transaction
 * horizon. Each step is safe to repeat, so all of them run again while PostgreSQL is restarting.
 */
export async function prepareDatabase(url: string, options: PrepareOptions = {}): Promise<string[]> {
  try {
    return await whilePostgresRestarts(
      async () => {
        await createDatabaseIfMissing(url);
        const applied = await runMigrations(url);
        await assertTransactionHorizon(url);
        return applied;
      },
      { onRetry: options.onRetry },
    );
  } catch (error) {
    throw explainConnectionFailure(url, error);
  }
}
