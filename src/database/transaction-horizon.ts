import { startupClient } from './while-postgres-restarts';

/** The stored transaction ids are ahead of this cluster's counter: the database was restored from a logical dump. */
export class TransactionHorizonError extends Error {
  override readonly name = 'TransactionHorizonError';
}

/**
 * Event-log consumers order and resume by the id of the transaction that wrote each event. A
 * cluster restored from a logical dump starts its counter anew, so new events would sort before old
 * ones and consumers would skip them. Refuse to start until the operator has moved the counter's
 * epoch past the stored ids (README: "Restoring from a dump").
 */
export async function assertTransactionHorizon(url: string): Promise<void> {
  const client = await startupClient(url);
  try {
    const { rows } = await client.query<{ stored: string | null; next: string }>(
      `SELECT (SELECT max(transaction_id) FROM events)::text AS stored,
              pg_snapshot_xmax(pg_current_snapshot())::text AS next`,
    );
    const row = rows[0];
    if (row?.stored == null) return;
    if (BigInt(row.stored) >= BigInt(row.next)) {
      const epoch = (BigInt(row.stored) >> 32n) + 1n;
      throw new TransactionHorizonError(
        `the event log holds transaction id ${row.stored}, but this cluster's next transaction id is ${row.next}: ` +
          `the database was restored from a logical dump. Stop PostgreSQL and run ` +
          `"pg_resetwal -e ${epoch} <data directory>", then start it again (README: Restoring from a dump).`,
      );
    }
  } finally {
    await client.end();
  }
}
