import type { Pool } from 'pg';
import { sqlState } from './sql/sql';

/** What one append returns: a row per event appended (see event_store_append). */
export interface AppendedRow {
  appended_stream_id: string;
  appended_version: number;
  appended_position: string;
  appended_transaction_id: string;
  appended_recorded_at: Date;
}

/** The three jsonb arguments of event_store_append, already serialized. */
export type AppendArguments = readonly [appends: string, before: string, after: string];

const APPEND_ONE = {
  name: 'event_store_append_with_effects',
  text: `SELECT appended_stream_id, appended_version::int AS appended_version, appended_position::text AS appended_position,
                appended_transaction_id::text AS appended_transaction_id, appended_recorded_at
         FROM event_store_append($1::jsonb, $2::jsonb, $3::jsonb)`,
};

const APPEND_BATCH = {
  name: 'event_store_append_batch',
  text: `SELECT item, appended_stream_id, appended_version::int AS appended_version, appended_position::text AS appended_position,
                appended_transaction_id::text AS appended_transaction_id, appended_recorded_at,
                error_code, error_message, error_detail, error_constraint
         FROM event_store_append_batch($1::jsonb)`,
};

interface BatchRow extends Partial<AppendedRow> {
  item: number;
  error_code: string | null;
  error_message: string | null;
  error_detail: string | null;
  error_constraint: string | null;
}

/** An append of a batch that the database refused, with the fields of the driver's own error. */
export class BatchedAppendError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly detail: string | undefined,
    readonly constraint: string | undefined,
  ) {
    super(message);
    this.name = 'BatchedAppendError';
  }
}

/**
 * Failures after which an append, tried alone, may well succeed: two batches can deadlock where
 * single appends cannot (each takes only its own streams' locks, in order).
 */
const RETRY_ALONE = new Set(['40P01', '40001']);

interface Pending {
  readonly args: AppendArguments;
  readonly resolve: (rows: AppendedRow[]) => void;
  readonly reject: (error: unknown) => void;
}

export interface AppendBatchingOptions {
  /** Statements in flight at once; appends arriving while all are busy wait and go together. */
  readonly maxInFlight: number;
  /** Appends in one statement at most (each is a subtransaction: keep well under 64). */
  readonly maxBatch: number;
}

/**
 * Group commit for appends with effects. While fewer than `maxInFlight` statements are running,
 * an append goes at once, alone, as before; under load the appends that queued meanwhile go as one
 * statement and one transaction (event_store_append_batch), each in its own subtransaction, so
 * that each is refused or committed exactly as it would have been alone. One commit, one round
 * trip and one wake-up of the server then serve many appends.
 */
export class AppendBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly options: AppendBatchingOptions,
  ) {}

  append(args: AppendArguments): Promise<AppendedRow[]> {
    return new Promise<AppendedRow[]>((resolve, reject) => {
      this.queue.push({ args, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.send(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async send(batch: readonly Pending[]): Promise<void> {
    if (batch.length === 1) {
      await this.sendAlone(batch[0]!);
      return;
    }
    let rows: BatchRow[];
    try {
      ({ rows } = await this.pool.query<BatchRow>({ ...APPEND_BATCH, values: [batchArgument(batch)] }));
    } catch (error) {
      if (RETRY_ALONE.has(sqlState(error) ?? '')) {
        await Promise.all(batch.map((pending) => this.sendAlone(pending)));
      } else {
        for (const pending of batch) pending.reject(error);
      }
      return;
    }
    const byItem = batch.map((): BatchRow[] => []);
    for (const row of rows) byItem[row.item]?.push(row);
    const again: Pending[] = [];
    batch.forEach((pending, i) => {
      const itemRows = byItem[i] ?? [];
      const failed = itemRows.find((row) => row.error_code !== null);
      if (failed === undefined) {
        pending.resolve(itemRows as AppendedRow[]);
      } else if (RETRY_ALONE.has(failed.error_code!)) {
        // Chosen as a deadlock's victim inside its subtransaction: the rest of the batch committed.
        again.push(pending);
      } else {
        // GET STACKED DIAGNOSTICS gives '' where the driver would give no field at all.
        pending.reject(
          new BatchedAppendError(failed.error_message ?? 'append refused', failed.error_code!, failed.error_detail || undefined, failed.error_constraint || undefined),
        );
      }
    });
    await Promise.all(again.map((pending) => this.sendAlone(pending)));
  }

  private async sendAlone(pending: Pending): Promise<void> {
    try {
      const { rows } = await this.pool.query<AppendedRow>({ ...APPEND_ONE, values: [...pending.args] });
      pending.resolve(rows);
    } catch (error) {
      pending.reject(error);
    }
  }
}

/** The batch as one jsonb array of {appends, before, after}, from the arguments already serialized. */
function batchArgument(batch: readonly Pending[]): string {
  return `[${batch.map(({ args: [appends, before, after] }) => `{"appends":${appends},"before":${before},"after":${after}}`).join(',')}]`;
}
