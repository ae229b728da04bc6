import type { Pool } from 'pg';
import { AppendCall, appendArguments, baseVersion } from './append-call';
import { ConcurrencyError, DuplicateEventIdError } from './errors';
import { EVENT_COLUMNS, toRecordedEvent, type AppendedRow, type EventRow } from './event-row';
import type { AppendEffects, AppendedStream, LogCursor, ReadAllResult, RecordedEvent, StreamAppend } from './event-store.types';
import { GroupCommit, type GroupCommitOptions, type Settled } from './group-commit';
import { constraintName, sqlState, UNIQUE_VIOLATION, type Sql } from './sql/sql';
import type { AppendNotifier } from './subscriptions/append-notifier';
import { UpcasterRegistry } from './upcasting/upcaster-registry';

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
 * The two statements that read the log ($1, $2: the cursor; $3: the page size; $4: the types), for
 * the test that checks their generic plans (EventLogSubscription plans them once per session).
 */
export const LOG_READS = { all: READ_ALL, ofTypes: READ_ALL_OF_TYPES } as const;

/** SQLSTATE raised by event_store_append when a stream is not at its expected version (DETAIL: the stream id). */
const STREAM_VERSION_CONFLICT = 'CE409';

export interface EventStoreOptions {
  readonly upcasters?: UpcasterRegistry;
  /** Wakes log consumers (the relay, the sealer) once appends have committed. */
  readonly notifier?: AppendNotifier;
  /** Group commit of appends under load (see AppendCall); `false` sends every append alone. */
  readonly batching?: GroupCommitOptions | false;
  /**
   * Whole-stream reads under load (`readStream` on the store's pool from the first version): those
   * asked for while the statements in flight are busy go together in one statement (see
   * GroupCommit); `false` sends every read alone.
   */
  readonly readBatching?: GroupCommitOptions | false;
}

/**
 * Two calls in flight at once, the rest waiting to go together (see README, "Group commit under
 * load", for the measurements behind these numbers).
 */
const DEFAULT_BATCHING: GroupCommitOptions = { maxInFlight: 2, maxBatch: 32 };

/**
 * Two stream reads in flight, the rest waiting to go together: at saturation each command that
 * loads its aggregate no longer costs a statement of its own (bench:triage measured 1.08 reads
 * per triaged request before), while a lone read still goes at once.
 */
const DEFAULT_READ_BATCHING: GroupCommitOptions = { maxInFlight: 2, maxBatch: 64 };

const READ_STREAM = {
  name: 'event_store_read_stream',
  text: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY events.stream_version`,
};

const READ_STREAMS = {
  name: 'event_store_read_streams',
  text: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ANY($1::text[]) ORDER BY events.stream_id, events.stream_version`,
};

/**
 * The append-only event log on Postgres: the source of truth. An append is atomic across its
 * streams and guarded by optimistic concurrency; `readAll` never skips an event that commits late.
 */
export class EventStore {
  readonly upcasters: UpcasterRegistry;
  /** Wakes log consumers after appends (see AppendNotifier); consumers of this process attach to it. */
  readonly notifier: AppendNotifier | undefined;
  private readonly calls: AppendCall;
  private readonly streamReads: GroupCommit<string, RecordedEvent[]> | undefined;

  constructor(
    private readonly pool: Pool,
    options: EventStoreOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.notifier = options.notifier;
    this.calls = new AppendCall(pool, options.batching ?? DEFAULT_BATCHING);
    const readBatching = options.readBatching ?? DEFAULT_READ_BATCHING;
    this.streamReads =
      readBatching === false
        ? undefined
        : new GroupCommit(readBatching, {
            alone: (streamId) => this.readStreamAlone(streamId, 1, this.pool),
            together: (streamIds) => this.readStreamsSettled(streamIds),
          });
  }

  /**
   * The one way to write: appends events to any number of streams (possibly none), each under its
   * expected version, together with the caller's SQL effects (inline projections, idempotency
   * records), in one statement and one transaction: everything commits, or nothing does.
   *
   * A stream that is not at its expected version refuses the whole append with `ConcurrencyError`,
   * unless every event of the append is already stored exactly so (a retried append): nothing is
   * then written and the stored events come back with `alreadyStored`. An event id stored elsewhere
   * gives `DuplicateEventIdError`; an effect's own error is thrown with the driver's code, detail
   * and constraint. Under load, appends share a transaction (group commit, see AppendCall), each
   * still refused or committed on its own.
   */
  async append(streams: readonly StreamAppend[], effects: AppendEffects = {}): Promise<AppendedStream[]> {
    const args = appendArguments(streams, effects);
    let rows: AppendedRow[];
    try {
      rows = await this.calls.run(args);
    } catch (error) {
      return this.explainRefusal(error, streams);
    }
    this.notifier?.signal();
    return streams.map((append) => this.appended(append, rows.filter((row) => row.stream_id === append.streamId)));
  }

  /**
   * The stream's events from `fromVersion` on, in order (none when it does not exist). A read of
   * the whole stream on the store's own pool may share its statement with reads asked for at the
   * same time (see EventStoreOptions.readBatching); it still sees every commit made before it was asked.
   */
  async readStream(streamId: string, fromVersion = 1, sql: Sql = this.pool): Promise<RecordedEvent[]> {
    if (this.streamReads !== undefined && fromVersion === 1 && sql === this.pool) return this.streamReads.run(streamId);
    return this.readStreamAlone(streamId, fromVersion, sql);
  }

  /** Several whole streams in one round trip, each in stream order (a stream with no events is absent). */
  async readStreams(streamIds: readonly string[], sql: Sql = this.pool): Promise<Map<string, RecordedEvent[]>> {
    const streams = new Map<string, RecordedEvent[]>();
    for (const [streamId, rows] of await this.streamRows(streamIds, sql)) {
      streams.set(streamId, rows.map((row) => toRecordedEvent(row, this.upcasters)));
    }
    return streams;
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

  private async readStreamAlone(streamId: string, fromVersion: number, sql: Sql): Promise<RecordedEvent[]> {
    const { rows } = await sql.query<EventRow>({ ...READ_STREAM, values: [streamId, fromVersion] });
    return rows.map((row) => toRecordedEvent(row, this.upcasters));
  }

  /** The rows of several whole streams in one statement, by stream, each in stream order (a stream with no events is absent). */
  private async streamRows(streamIds: readonly string[], sql: Sql): Promise<Map<string, EventRow[]>> {
    const streams = new Map<string, EventRow[]>();
    if (streamIds.length === 0) return streams;
    const { rows } = await sql.query<EventRow>({ ...READ_STREAMS, values: [[...new Set(streamIds)]] });
    for (const row of rows) {
      let stream = streams.get(row.stream_id);
      if (stream === undefined) streams.set(row.stream_id, (stream = []));
      stream.push(row);
    }
    return streams;
  }

  /** A batch of whole-stream reads: each caller gets its own copy of its stream, or its own upcasting error. */
  private async readStreamsSettled(streamIds: readonly string[]): Promise<Settled<RecordedEvent[]>[]> {
    const rows = await this.streamRows(streamIds, this.pool);
    return streamIds.map((streamId): Settled<RecordedEvent[]> => {
      try {
        return { ok: true, value: (rows.get(streamId) ?? []).map((row) => toRecordedEvent(row, this.upcasters)) };
      } catch (error) {
        return { ok: false, error };
      }
    });
  }

  /** The stream's current version, 0 when it does not exist. */
  async streamVersion(streamId: string, sql: Sql = this.pool): Promise<number> {
    const { rows } = await sql.query<{ version: number }>(
      'SELECT version::int AS version FROM streams WHERE stream_id = $1',
      [streamId],
    );
    return rows[0]?.version ?? 0;
  }

  /**
   * Why the database refused an append, as the error the caller expects (or, for a retried
   * append, the events it stored before). The one place append failures are mapped.
   */
  private async explainRefusal(error: unknown, streams: readonly StreamAppend[]): Promise<AppendedStream[]> {
    if (sqlState(error) === UNIQUE_VIOLATION && constraintName(error) === 'events_event_id_key') {
      throw new DuplicateEventIdError(streams.flatMap((a) => a.events.map((e) => e.eventId)));
    }
    if (sqlState(error) !== STREAM_VERSION_CONFLICT) throw error;
    // The refused stream is either already holding exactly these events (a retried append,
    // committed before with all its streams) or someone else wrote first. It is explained first:
    // it throws in the second case.
    const refusedId = (error as { detail?: string }).detail;
    const refused = streams.find((a) => a.streamId === refusedId) ?? streams[0];
    if (refused === undefined) throw error;
    const explained = await this.explainRefusedStream(refused);
    return Promise.all(streams.map((append) => (append === refused ? Promise.resolve(explained) : this.explainRefusedStream(append))));
  }

  /** The append as stored, from the rows its insert returned (one per event). */
  private appended(append: StreamAppend, inserted: readonly AppendedRow[]): AppendedStream {
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
  private async explainRefusedStream(append: StreamAppend): Promise<AppendedStream> {
    const ids = append.events.map((e) => e.eventId.toLowerCase());
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ANY($1::uuid[]) ORDER BY events.stream_id, events.stream_version`,
      [ids],
    );
    const actualVersion = await this.streamVersion(append.streamId);
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
