import { LOG_START, type LogCursor } from '../event-store.types';
import type { Sql } from '../sql/sql';

/** Where a consumer of the log has got to; LOG_START for a new consumer. */
export async function loadCheckpoint(sql: Sql, consumer: string): Promise<LogCursor> {
  const { rows } = await sql.query<{ transaction_id: string; global_position: string }>({
    name: 'event_store_load_checkpoint',
    text: 'SELECT transaction_id::text AS transaction_id, global_position::text AS global_position FROM consumer_checkpoints WHERE consumer = $1',
    values: [consumer],
  });
  const row = rows[0];
  return row === undefined ? LOG_START : { transactionId: row.transaction_id, position: Number(row.global_position) };
}

/**
 * Moves a consumer's checkpoint forward, never back: a consumer that lost its lease while
 * finishing a batch cannot rewind the one that took over.
 */
export async function saveCheckpoint(sql: Sql, consumer: string, cursor: LogCursor): Promise<void> {
  await sql.query({
    name: 'event_store_save_checkpoint',
    text: `INSERT INTO consumer_checkpoints (consumer, transaction_id, global_position) VALUES ($1, $2::xid8, $3)
           ON CONFLICT (consumer) DO UPDATE SET
             transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, updated_at = now()
           WHERE (consumer_checkpoints.transaction_id, consumer_checkpoints.global_position)
               < (EXCLUDED.transaction_id, EXCLUDED.global_position)`,
    values: [consumer, cursor.transactionId, cursor.position],
  });
}
