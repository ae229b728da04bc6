import type { Pool } from 'pg';
import type { AppendedRow } from './event-row';
import type { AppendEffects, StreamAppend } from './event-store.types';
import { GroupCommit, settle, type GroupCommitOptions, type Settled } from './group-commit';
import { queryKeepingConnection } from './sql/sql';

/** The three jsonb arguments of event_store_append (streams, before, after), already serialized, and the streams' ids. */
export interface AppendArguments {
  readonly values: readonly [streams: string, before: string, after: string];
  readonly streamIds: readonly string[];
}

/** The columns of event_store_append's rows, named as AppendedRow. */
const APPENDED_COLUMNS = `appended_stream_id AS stream_id, appended_version::int AS stream_version,
  appended_position::text AS global_position, appended_transaction_id::text AS transaction_id, appended_recorded_at AS recorded_at`;

const APPEND_ALONE = {
  name: 'event_store_append',
  text: `SELECT ${APPENDED_COLUMNS} FROM event_store_append($1::jsonb, $2::jsonb, $3::jsonb)`,
};

const APPEND_TOGETHER = {
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

/**
 * An append of a batch that the database refused, with the fields the driver gives its own errors
 * (`code`, `detail`, `constraint`), so that one mapping explains both.
 */
export class BatchedAppendError extends Error {
  override readonly name = 'BatchedAppendError';
  constructor(
    message: string,
    readonly code: string,
    readonly detail: string | undefined,
    readonly constraint: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Failures of one append of a batch after which it may well succeed alone: two batches can
 * deadlock where single appends cannot (each takes only its own streams' locks, in stream-id order).
 */
const RETRY_ALONE = new Set(['40P01', '40001']);

/** Serializes an append's arguments, refusing nonsense before anything reaches the database. */
export function appendArguments(streams: readonly StreamAppend[], effects: AppendEffects): AppendArguments {
  const payload = streams.map((append) => ({
    streamId: append.streamId,
    streamType: append.streamType,
    expectedVersion: baseVersion(append),
    events: append.events.map((e) => ({
      eventId: e.eventId,
      type: e.type,
      schemaVersion: e.schemaVersion ?? 1,
      data: e.data,
      metadata: e.metadata ?? {},
    })),
  }));
  return {
    values: [JSON.stringify(payload), JSON.stringify(effects.before ?? []), JSON.stringify(effects.after ?? [])],
    streamIds: streams.map((append) => append.streamId),
  };
}

/** The version a stream must be at for the append to apply: 0 for a new stream. */
export function baseVersion(append: StreamAppend): number {
  if (append.events.length === 0) throw new Error(`append to ${append.streamId} has no events`);
  const expected = append.expectedVersion;
  if (expected === 'no_stream') return 0;
  if (!(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new Error(`append to ${append.streamId}: expected version must be 'no_stream' or an integer >= 0 (got ${String(expected)})`);
  }
  return expected;
}

/**
 * Runs appends as calls of event_store_append (one statement, one transaction each). With group
 * commit, the appends that arrive while the calls in flight are busy go together as one call of
 * event_store_append_batch: one transaction in which each append runs in its own subtransaction,
 * so that each is refused or committed exactly as it would have been alone. Two appends that
 * write a common stream never share a batch.
 */
export class AppendCall {
  private readonly group: GroupCommit<AppendArguments, AppendedRow[]> | undefined;

  constructor(
    private readonly pool: Pool,
    batching: GroupCommitOptions | false,
  ) {
    this.group =
      batching === false
        ? undefined
        : new GroupCommit(batching, {
            alone: (args) => this.alone(args),
            together: (batch) => this.together(batch),
            // Appends to one stream decide on the version they read: several in one transaction
            // would all but one be refused together, and retry together. Apart, they queue.
            keys: (args) => args.streamIds,
          });
  }

  run(args: AppendArguments): Promise<AppendedRow[]> {
    return this.group === undefined ? this.alone(args) : this.group.run(args);
  }

  private async alone(args: AppendArguments): Promise<AppendedRow[]> {
    const { rows } = await queryKeepingConnection<AppendedRow>(this.pool, { ...APPEND_ALONE, values: [...args.values] });
    return rows;
  }

  private async together(batch: readonly AppendArguments[]): Promise<Settled<AppendedRow[]>[]> {
    let rows: BatchRow[];
    try {
      ({ rows } = await queryKeepingConnection<BatchRow>(this.pool, { ...APPEND_TOGETHER, values: [batchArgument(batch)] }));
    } catch {
      // The statement as a whole failed (a deadlock between batches, a payload the server refuses
      // to parse, a lost connection): nothing of it is stored, and each append is run alone for
      // its own answer.
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
  return `[${batch.map(({ values: [streams, before, after] }) => `{"appends":${streams},"before":${before},"after":${after}}`).join(',')}]`;
}
