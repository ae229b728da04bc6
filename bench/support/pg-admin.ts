import pg from 'pg';

/** `url` with its database replaced by `name`. */
export function databaseUrl(url: string, name: string): string {
  const target = new URL(url);
  target.pathname = `/${encodeURIComponent(name)}`;
  return target.toString();
}

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (name === '') throw new Error(`${url} names no database`);
  return name;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` against the `postgres` maintenance database of the server that `url` points at. */
export function withMaintenanceClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(databaseUrl(url, 'postgres'), work);
}

export async function createDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
}

/** Drops the database even if connections are still open (PostgreSQL 13+). */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
}

/** Flushes dirty buffers so that one measured phase does not pay for the writes of the previous one. */
export async function checkpoint(url: string): Promise<void> {
  await withMaintenanceClient(url, (client) => client.query('CHECKPOINT'));
}

/** `where`, when given, is a fixed condition written by the caller (never user input), e.g. `event_type = $1`. */
export async function countRows(url: string, table: string, where?: { readonly sql: string; readonly values: readonly unknown[] }): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${client.escapeIdentifier(table)}${where === undefined ? '' : ` WHERE ${where.sql}`}`,
      where === undefined ? [] : [...where.values],
    );
    return Number(rows[0]?.n ?? Number.NaN);
  });
}
