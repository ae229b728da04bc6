import type { Pool } from 'pg';
import type { AppendedRow } from './event-row';
import { GroupCommit, settle, type GroupCommitOptions, type Settled } from './group-commit';
import { sqlState } from './sql/sql';

/** The three jsonb arguments of event_store_append, already serialized. */
export type AppendArguments = readonly [appends: string, before: string, after: string];

/** The columns of event_store_append's rows, named as AppendedRow (as every append statement names them). */
const APPENDED_COLUMNS = `appended_stream_id AS stream_id, appended_version::int AS stream_version,
  appended_position::text AS global_position, appended_transaction_id::text AS transaction_id, appended_recorded_at AS recorded_at`;

const APPEND_ONE = {
  name: 'event_store_append_with_effects',
  text: `SELECT ${APPENDED_COLUMNS} FROM event_store_append($1::jsonb, $2::jsonb, $3::jsonb)`,
};

const APPEND_BATCH = {
  name: 'event_store_append_batch',
  text: `SELECT item, ${APPENDED_COLUMNS}, error_code, error_message, error_detail, error_constraint
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

export type AppendBatchingOptions = GroupCommitOptions;

/**
 * Group commit for appends with effects (see GroupCommit): the appends that queue while the
 * statements in flight are busy go as one statement and one transaction (event_store_append_batch),
 * each in its own subtransaction, so that each is refused or committed exactly as it would have
 * been alone.
 */
export class AppendBatcher {
  private readonly group: GroupCommit<AppendArguments, AppendedRow[]>;

  constructor(
    private readonly pool: Pool,
    options: AppendBatchingOptions,
  ) {
    this.group = new GroupCommit(options, { alone: (args) => this.alone(args), together: (batch) => this.together(batch) });
  }

  append(args: AppendArguments): Promise<AppendedRow[]> {
    return this.group.run(args);
  }

  private async alone(args: AppendArguments): Promise<AppendedRow[]> {
    const { rows } = await this.pool.query<AppendedRow>({ ...APPEND_ONE, values: [...args] });
    return rows;
  }

  private async together(batch: readonly AppendArguments[]): Promise<Settled<AppendedRow[]>[]> {
    let rows: BatchRow[];
    try {
      ({ rows } = await this.pool.query<BatchRow>({ ...APPEND_BATCH, values: [batchArgument(batch)] }));
    } catch (error) {
      if (!RETRY_ALONE.has(sqlState(error) ?? '')) throw error;
      return Promise.all(batch.map((args) => settle(this.alone(args))));
    }
    const byItem = batch.map((): BatchRow[] => []);
    for (const row of rows) byItem[row.item]?.push(row);
    return Promise.all(
      batch.map((args, i): Promise<Settled<AppendedRow[]>> => {
        const itemRows = byItem[i] ?? [];
        const failed = itemRows.find((row) => row.error_code !== null);
        if (failed === undefined) return Promise.resolve({ ok: true, value: itemRows as AppendedRow[] });
        // Chosen as a deadlock's victim inside its subtransaction: the rest of the batch committed.
        if (RETRY_ALONE.has(failed.error_code!)) return settle(this.alone(args));
        // GET STACKED DIAGNOSTICS gives '' where the driver would give no field at all.
        const error = new BatchedAppendError(
          failed.error_message ?? 'append refused',
          failed.error_code!,
          failed.error_detail || undefined,
          failed.error_constraint || undefined,
        );
        return Promise.resolve({ ok: false, error });
      }),
    );
  }
}

/** The batch as one jsonb array of {appends, before, after}, from the arguments already serialized. */
function batchArgument(batch: readonly AppendArguments[]): string {
  return `[${batch.map(([appends, before, after]) => `{"appends":${appends},"before":${before},"after":${after}}`).join(',')}]`;
}
