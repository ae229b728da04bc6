import pg from 'pg';
import { PLANNED_ONCE_SESSION_OPTIONS } from '@app/event-store';

/**
 * The plan a session opened with PLANNED_ONCE_SESSION_OPTIONS makes for `text` — one plan for any
 * parameters — as EXPLAIN shows it when executed with `args` (SQL literals). `types` are the
 * parameters' types when PostgreSQL cannot infer them from `text`.
 */
export async function genericPlan(url: string, text: string, args: string, types?: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, options: PLANNED_ONCE_SESSION_OPTIONS });
  await client.connect();
  try {
    await client.query(`PREPARE planned_once ${types === undefined ? '' : `(${types}) `}AS ${text}`);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) EXECUTE planned_once (${args})`);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await client.end();
  }
}
