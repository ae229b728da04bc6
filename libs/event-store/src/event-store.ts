import type { Pool, PoolClient } from 'pg';
import { ConcurrencyError, DuplicateEventIdError } from './errors';
import { EVENT_COLUMNS, toRecordedEvent, type AppendedRow, type EventRow, type InsertedEventRow } from './event-row';
import type { AppendEffects, AppendedStream, LogCursor, ReadAllResult, RecordedEvent, StreamAppend } from './event-store.types';
import { constraintName, inTransaction, sqlState, UNIQUE_VIOLATION, type Sql } from './sql/sql';
import { AppendBatcher, type AppendBatchingOptions } from './append-batcher';
import { GroupCommit, settle, type Settled } from './group-commit';
import { APPEND_STREAMS_TOGETHER, appendStreamsTogetherValues } from './stream-append-batch';
import type { AppendNotifier } from './subscriptions/append-notifier';
import { UpcasterRegistry } from './upcasting/upcaster-registry';

const INSERT_EVENTS = `INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, event_version, data, metadata)
  SELECT e.event_id, $1, $2, e.stream_version, e.event_type, e.event_version, e.data::jsonb, e.metadata::jsonb
  FROM unnest($4::uuid[], $5::bigint[], $6::text[], $7::int[], $8::text[], $9::text[])
       WITH ORDINALITY AS e(event_id, stream_version, event_type, event_version, data, metadata, ord)
  WHERE EXISTS (SELECT 1 FROM s)
  ORDER BY e.ord
  RETURNING global_position::text AS global_position, transaction_id::text AS transaction_id,
            stream_version::int AS stream_version, recorded_at`;

/** No upcasters: events exactly as stored. */
const AS_STORED = new UpcasterRegistry();

export interface ReadAllOptions {
  /** The payloads and schema versions as written, without upcasting. */
  readonly asStored?: boolean;
  /**
   * Only events of these types are returned (the others are not even sent); the cursor still
   * moves past them all (a consumer that reacts to a few types of a large log).
   */
  readonly types?: readonly string[];
}

const READ_ALL_ORDER = `WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY events.transaction_id, events.global_position
  LIMIT $3`;

const READ_ALL = { name: 'event_store_read_all', text: `SELECT ${EVENT_COLUMNS} FROM events ${READ_ALL_ORDER}` };

/**
 * The page readAll would read, but only its events of the types in $4 come back (in log order),
 * followed by one row (`scanned` not null) giving the page's last cursor and size: a consumer
 * that reacts to a few types is not sent, nor parses, the rest of the log.
 */
const READ_ALL_OF_TYPES = {
  name: 'event_store_read_all_of_types',
  text: `WITH page AS MATERIALIZED (
      SELECT transaction_id, global_position, event_type FROM events ${READ_ALL_ORDER})
    (SELECT e.global_position::text AS global_position, e.transaction_id::text AS transaction_id,
            e.event_id::text AS event_id, e.stream_id, e.stream_type, e.stream_version::int AS stream_version,
            e.event_type, e.event_version, e.recorded_at, e.data, e.metadata, NULL::int AS scanned
       FROM page JOIN events e ON e.global_position = page.global_position
      WHERE page.event_type = ANY($4::text[])
      ORDER BY page.transaction_id, page.global_position)
    UNION ALL
    SELECT last.global_position::text, last.transaction_id::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           (SELECT count(*)::int FROM page)
      FROM (SELECT transaction_id, global_position FROM page ORDER BY transaction_id DESC, global_position DESC LIMIT 1) AS last`,
};

/**
 * One statement checks the stream's version and inserts its events: the stream row is the lock
 * that serialises writers of one stream, and nothing is inserted unless the check passed.
 */
const APPEND_NEW_STREAM = {
  name: 'event_store_append_new_stream',
  text: `WITH s AS (
    INSERT INTO streams (stream_id, stream_type, version) VALUES ($1, $2, $3)
    ON CONFLICT (stream_id) DO NOTHING
    RETURNING version)
  ${INSERT_EVENTS}`,
};

const APPEND_EXISTING_STREAM = {
  name: 'event_store_append_existing_stream',
  text: `WITH s AS (
    UPDATE streams SET version = $3, updated_at = now()
    WHERE stream_id = $1 AND version = $10
    RETURNING version)
  ${INSERT_EVENTS}`,
};

/**
 * The same two statements for the common single-event append, with scalar parameters: no arrays to
 * encode on the client, and no unnest, ordinality or sort on the server.
 */
const INSERT_ONE_EVENT = `INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, event_version, data, metadata)
  SELECT $4::uuid, $1, $2, $3::bigint, $5::text, $6::int, $7::jsonb, $8::jsonb
  WHERE EXISTS (SELECT 1 FROM s)
  RETURNING global_position::text AS global_position, transaction_id::text AS transaction_id,
            stream_version::int AS stream_version, recorded_at`;

const APPEND_ONE_NEW_STREAM = {
  name: 'event_store_append_one_new_stream',
  text: `WITH s AS (
    INSERT INTO streams (stream_id, stream_type, version) VALUES ($1, $2, $3)
    ON CONFLICT (stream_id) DO NOTHING
    RETURNING version)
  ${INSERT_ONE_EVENT}`,
};

const APPEND_ONE_EXISTING_STREAM = {
  name: 'event_store_append_one_existing_stream',
  text: `WITH s AS (
    UPDATE streams SET version = $3, updated_at = now()
    WHERE stream_id = $1 AND version = $9
    RETURNING version)
  ${INSERT_ONE_EVENT}`,
};

/** SQLSTATE raised by event_store_append when a stream is not at its expected version (DETAIL: the stream id). */
const STREAM_VERSION_CONFLICT = 'CE409';

export interface EventStoreOptions {
  readonly upcasters?: UpcasterRegistry;
  /** Wakes log consumers (the relay, the sealer) once appends have committed. */
  readonly notifier?: AppendNotifier;
  /** Group commit of single-stream `append`s and of `appendWithEffects` under load (see GroupCommit). */
  readonly batching?: AppendBatchingOptions;
}

/**
 * Two statements in flight at once, the rest waiting to go together: measured on the filing
 * benchmark (50 connections) at 1,700–2,200 filings/s, against 1,420–1,830 with three to six and
 * 1,180 without batching. Later, on a faster day, one in flight (up to 64 together) was no better
 * in alternating runs: 2,073 and 2,771 filings/s against 2,879 and 2,425 with two.
 */
const DEFAULT_BATCHING: AppendBatchingOptions = { maxInFlight: 2, maxBatch: 32 };

/**
 * The append-only event log on Postgres: the source of truth. Appends are atomic across streams
 * and guarded by optimistic concurrency; `readAll` never skips an event that commits late.
 */
export class EventStore {
  readonly upcasters: UpcasterRegistry;
  private readonly notifier: AppendNotifier | undefined;
  private readonly batcher: AppendBatcher;
  private readonly streamAppends: GroupCommit<StreamAppend, AppendedStream>;

  constructor(
    private readonly pool: Pool,
    options: EventStoreOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.notifier = options.notifier;
    const batching = options.batching ?? DEFAULT_BATCHING;
    this.batcher = new AppendBatcher(pool, batching);
    this.streamAppends = new GroupCommit(batching, {
      alone: (append) => this.appendStream(this.pool, append),
      together: (appends) => this.appendStreamsTogether(appends),
      key: (append) => append.streamId,
    });
  }

  /**
   * Appends to one or more streams atomically. A single stream is written by one statement;
   * several streams share one transaction. Throws `ConcurrencyError` when a stream is not at its
   * expected version, unless every event of the append is already stored (a retried append), in
   * which case nothing is written and the stored events are returned with `alreadyStored`. Under
   * load, single-stream appends to distinct streams share a statement and a commit (group commit,
   * see GroupCommit), each still refused or stored on its own.
   */
  async append(appends: readonly StreamAppend[]): Promise<AppendedStream[]> {
    if (appends.length === 1) {
      const [only] = appends as [StreamAppend];
      if (only.events.length === 0) throw new Error(`append to ${only.streamId} has no events`);
      baseVersion(only); // refuses a nonsense expected version before it can join a batch
      const appended = await this.streamAppends.run(only);
      this.notifier?.signal();
      return [appended];
    }
    return this.transaction((tx) => this.appendWithin(tx, appends));
  }

  /**
   * Appends to any number of streams (possibly none) together with the caller's SQL effects, in
   * one round trip and one transaction: the effects commit if and only if the events do. Refusals
   * are reported as by `append`; an effect's own error is thrown with the driver's code, detail
   * and constraint. Under load the transaction is shared with other appends (group commit, see
   * AppendBatcher), each in its own subtransaction: it is still refused or committed on its own.
   */
  async appendWithEffects(appends: readonly StreamAppend[], effects: AppendEffects): Promise<AppendedStream[]> {
    const payload = appends.map((append) => {
      if (append.events.length === 0) throw new Error(`append to ${append.streamId} has no events`);
      return {
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
      };
    });
    let rows: AppendedRow[];
    try {
      rows = await this.batcher.append([JSON.stringify(payload), JSON.stringify(effects.before ?? []), JSON.stringify(effects.after ?? [])]);
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION && constraintName(error) === 'events_event_id_key') {
        throw new DuplicateEventIdError(appends.flatMap((a) => a.events.map((e) => e.eventId)));
      }
      if (sqlState(error) !== STREAM_VERSION_CONFLICT) throw error;
      // The refused stream is either already holding exactly these events (a retried append,
      // committed before with all its streams) or someone else wrote first.
      const refused = appends.find((a) => a.streamId === (error as { detail?: string }).detail) ?? appends[0];
      if (refused === undefined) throw error;
      // The refused stream first: it throws when someone else wrote first.
      const explained = await this.explainRefusedAppend(this.pool, refused);
      return Promise.all(appends.map((append) => (append === refused ? Promise.resolve(explained) : this.explainRefusedAppend(this.pool, append))));
    }
    this.notifier?.signal();
    return appends.map((append) => this.appended(append, rows.filter((row) => row.stream_id === append.streamId)));
  }

  /**
   * Appends inside a transaction the caller owns, so that its own writes commit or roll back with
   * the events. Streams are written (and their rows locked) in stream-id order, so that two
   * multi-stream appends naming the same streams in different orders cannot deadlock; results
   * come back in the order given.
   */
  async appendWithin(tx: PoolClient, appends: readonly StreamAppend[]): Promise<AppendedStream[]> {
    const order = appends.map((_, i) => i);
    if (appends.length > 1) {
      order.sort((a, b) => {
        const [x, y] = [appends[a]!.streamId, appends[b]!.streamId];
        return x < y ? -1 : x > y ? 1 : a - b;
      });
    }
    const results = new Array<AppendedStream>(appends.length);
    for (const i of order) results[i] = await this.appendStream(tx, appends[i]!);
    return results;
  }

  /** Runs `work` in one transaction; use `appendWithin(tx, …)` inside it. Log consumers are woken after the commit. */
  async transaction<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    const result = await inTransaction(this.pool, work);
    this.notifier?.signal();
    return result;
  }

  async readStream(streamId: string, fromVersion = 1, sql: Sql = this.pool): Promise<RecordedEvent[]> {
    const { rows } = await sql.query<EventRow>({
      name: 'event_store_read_stream',
      text: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY events.stream_version`,
      values: [streamId, fromVersion],
    });
    return rows.map((row) => toRecordedEvent(row, this.upcasters));
  }

  /**
   * Reads the log after `cursor` in (transaction id, position) order, returning only events whose
   * transaction is older than the oldest one still running. Everything below that horizon has
   * either committed or rolled back for good, so a consumer that follows the cursor sees every
   * committed event exactly once, even when positions commit out of order. `asStored` skips the
   * upcasters (the payloads and schema versions as written, e.g. for sealing); `types` passes
   * over events of other types (they are never sent) while the cursor moves past them.
   */
  async readAll(cursor: LogCursor, limit: number, sql: Sql = this.pool, options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const upcasters = options.asStored === true ? AS_STORED : this.upcasters;
    if (options.types !== undefined) {
      const { rows } = await sql.query<EventRow & { scanned: number | null }>({
        ...READ_ALL_OF_TYPES,
        values: [cursor.transactionId, cursor.position, limit, options.types],
      });
      const end = rows.find((row) => row.scanned !== null);
      return {
        events: rows.filter((row) => row.scanned === null).map((row) => toRecordedEvent(row, upcasters)),
        cursor: end ? { transactionId: end.transaction_id, position: Number(end.global_position) } : cursor,
        scanned: end?.scanned ?? 0,
      };
    }
    const { rows } = await sql.query<EventRow>({ ...READ_ALL, values: [cursor.transactionId, cursor.position, limit] });
    const events = rows.map((row) => toRecordedEvent(row, upcasters));
    const last = events.at(-1);
    return { events, cursor: last ? { transactionId: last.transactionId, position: last.position } : cursor, scanned: rows.length };
  }

  /** The stream's current version, 0 when it does not exist. */
  async streamVersion(streamId: string, sql: Sql = this.pool): Promise<number> {
    const { rows } = await sql.query<{ version: number }>(
      'SELECT version::int AS version FROM streams WHERE stream_id = $1',
      [streamId],
    );
    return rows[0]?.version ?? 0;
  }

  private async appendStream(sql: Sql, append: StreamAppend): Promise<AppendedStream> {
    if (append.events.length === 0) throw new Error(`append to ${append.streamId} has no events`);
    // Version 0 is the version of a stream that does not exist: the same check as 'no_stream'.
    const base = baseVersion(append);
    const isNew = base === 0;
    const nextVersion = base + append.events.length;
    let statement: { name: string; text: string };
    let values: unknown[];
    const [only] = append.events;
    if (append.events.length === 1 && only !== undefined) {
      statement = isNew ? APPEND_ONE_NEW_STREAM : APPEND_ONE_EXISTING_STREAM;
      values = [
        append.streamId,
        append.streamType,
        nextVersion,
        only.eventId,
        only.type,
        only.schemaVersion ?? 1,
        JSON.stringify(only.data),
        JSON.stringify(only.metadata ?? {}),
      ];
    } else {
      statement = isNew ? APPEND_NEW_STREAM : APPEND_EXISTING_STREAM;
      values = [
        append.streamId,
        append.streamType,
        nextVersion,
        append.events.map((e) => e.eventId),
        append.events.map((_, i) => base + i + 1),
        append.events.map((e) => e.type),
        append.events.map((e) => e.schemaVersion ?? 1),
        append.events.map((e) => JSON.stringify(e.data)),
        append.events.map((e) => JSON.stringify(e.metadata ?? {})),
      ];
    }
    if (!isNew) values.push(base);
    let inserted: InsertedEventRow[];
    try {
      ({ rows: inserted } = await sql.query<InsertedEventRow>({ ...statement, values }));
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION && constraintName(error) === 'events_event_id_key') {
        throw new DuplicateEventIdError(append.events.map((e) => e.eventId));
      }
      throw error;
    }
    if (inserted.length === append.events.length) return this.appended(append, inserted);
    return this.explainRefusedAppend(sql, append);
  }

  /**
   * Single-stream appends to distinct streams in one statement (APPEND_STREAMS_TOGETHER). Should
   * the statement fail (a reused event id, a payload the server refuses, a deadlock), nothing of
   * it is stored and each append is run alone, to get its own answer.
   */
  private async appendStreamsTogether(appends: readonly StreamAppend[]): Promise<Settled<AppendedStream>[]> {
    let inserted: AppendedRow[];
    try {
      ({ rows: inserted } = await this.pool.query<AppendedRow>({
        ...APPEND_STREAMS_TOGETHER,
        values: appendStreamsTogetherValues(appends, baseVersion),
      }));
    } catch {
      return Promise.all(appends.map((append) => settle(this.appendStream(this.pool, append))));
    }
    return Promise.all(
      appends.map((append) => {
        const rows = inserted.filter((row) => row.stream_id === append.streamId);
        if (rows.length === append.events.length) return settle(Promise.resolve().then(() => this.appended(append, rows)));
        // Its version check failed: a retried append, or someone else wrote first.
        return settle(this.explainRefusedAppend(this.pool, append));
      }),
    );
  }

  /** The append as stored, from the rows its insert returned (one per event). */
  private appended(append: StreamAppend, inserted: readonly InsertedEventRow[]): AppendedStream {
    const base = baseVersion(append);
    const byVersion = new Map(inserted.map((row) => [row.stream_version, row]));
    const events = append.events.map((event, i): RecordedEvent => {
      const row = byVersion.get(base + i + 1);
      if (row === undefined) throw new Error(`append to ${append.streamId}: version ${base + i + 1} missing from the result`);
      const upcast = this.upcasters.upcast(event.type, event.schemaVersion ?? 1, event.data);
      return {
        position: Number(row.global_position),
        transactionId: row.transaction_id,
        eventId: event.eventId,
        streamId: append.streamId,
        streamType: append.streamType,
        version: row.stream_version,
        type: event.type,
        schemaVersion: upcast.schemaVersion,
        data: upcast.data,
        metadata: event.metadata ?? {},
        recordedAt: row.recorded_at,
      };
    });
    return { streamId: append.streamId, streamType: append.streamType, nextVersion: base + append.events.length, events, alreadyStored: false };
  }

  /** The version check failed: either this exact append is already stored, or someone else wrote first. */
  private async explainRefusedAppend(sql: Sql, append: StreamAppend): Promise<AppendedStream> {
    const ids = append.events.map((e) => e.eventId.toLowerCase());
    const { rows } = await sql.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ANY($1::uuid[]) ORDER BY events.stream_id, events.stream_version`,
      [ids],
    );
    const actualVersion = await this.streamVersion(append.streamId, sql);
    if (rows.length === 0) throw new ConcurrencyError(append.streamId, append.expectedVersion, actualVersion);
    const sameAppend =
      rows.length === ids.length && rows.every((row, i) => row.stream_id === append.streamId && row.event_id === ids[i]);
    if (!sameAppend) throw new DuplicateEventIdError(rows.map((row) => row.event_id));
    const events = rows.map((row) => toRecordedEvent(row, this.upcasters));
    return {
      streamId: append.streamId,
      streamType: append.streamType,
      nextVersion: events.at(-1)?.version ?? actualVersion,
      events,
      alreadyStored: true,
    };
  }
}

/** The version a stream must be at for the append to apply: 0 for a new stream. */
function baseVersion(append: StreamAppend): number {
  const expected = append.expectedVersion;
  if (expected === 'no_stream') return 0;
  if (!(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new Error(`append to ${append.streamId}: expected version must be 'no_stream' or an integer >= 0 (got ${String(expected)})`);
  }
  return expected;
}
