/** Who did something and why: carried on every event so that auditors can see it. */
export interface EventMetadata {
  readonly actor?: { readonly sub: string; readonly role: string; readonly country?: string };
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly commandId?: string;
  readonly requestId?: string;
  readonly [key: string]: unknown;
}

/** An event the caller wants stored. `eventId` makes the append idempotent. */
export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion?: number;
  readonly data: unknown;
  readonly metadata?: EventMetadata;
}

/** An event as it is stored, after upcasting to its current schema version. */
export interface RecordedEvent {
  readonly position: number;
  readonly transactionId: string;
  readonly eventId: string;
  readonly streamId: string;
  readonly streamType: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}

/** `no_stream`: the stream must not exist yet; a number: the stream must be at exactly this version. */
export type ExpectedVersion = 'no_stream' | number;

export interface StreamAppend {
  readonly streamId: string;
  readonly streamType: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly NewEvent[];
}

export interface AppendedStream {
  readonly streamId: string;
  readonly streamType: string;
  /** The stream's version after the append. */
  readonly nextVersion: number;
  readonly events: readonly RecordedEvent[];
  /** True when every event was already stored by an earlier identical append (nothing was written now). */
  readonly alreadyStored: boolean;
}

/**
 * Where `readAll` stopped. Events are ordered by (transactionId, position); a cursor resumes
 * strictly after the event it names.
 */
export interface LogCursor {
  readonly transactionId: string;
  readonly position: number;
}

export const LOG_START: LogCursor = Object.freeze({ transactionId: '0', position: 0 });

export interface ReadAllResult {
  readonly events: readonly RecordedEvent[];
  /** Pass back to continue; equal to the input cursor when nothing new is readable. */
  readonly cursor: LogCursor;
  /** Events read from the log: more than `events` holds when some were passed over (ReadAllOptions.types). */
  readonly scanned: number;
}

/**
 * A statement of the caller's that runs in the same statement (and so the same transaction) as an
 * append: `sql` takes its one argument as `$1` (jsonb). It must be the application's own SQL,
 * never text from a client.
 */
export interface SqlEffect {
  readonly sql: string;
  readonly arg: unknown;
}

export interface AppendEffects {
  /** Run before any stream is written (e.g. claim an idempotency key). */
  readonly before?: readonly SqlEffect[];
  /** Run after every stream is written (inline projections, idempotency records). */
  readonly after?: readonly SqlEffect[];
}
