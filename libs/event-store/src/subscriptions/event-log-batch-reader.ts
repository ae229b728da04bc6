import type { EventStore } from '../event-store';
import type { LogCursor, ReadAllResult, RecordedEvent } from '../event-store.types';
import type { Sql } from '../sql/sql';

/** A batch as read, with what `prepare` made of it (undefined without `prepare`, or when empty). */
export type EventLogBatch<P> = ReadAllResult & { readonly prepared: P | undefined };

export interface EventLogBatchReaderOptions<P> {
  readonly batchSize: number;
  /** Events as stored, without upcasting (see EventStore.readAll). */
  readonly asStored: boolean;
  /** Only events of these types (see EventStore.readAll). */
  readonly types: readonly string[] | undefined;
  /** Work on a batch that needs no database, done as soon as it is read (see EventLogHandling). */
  readonly prepare: ((events: readonly RecordedEvent[]) => P | Promise<P>) | undefined;
}

/**
 * Reads the log batch after batch along `readAll`'s gap-safe cursor, preparing each batch as it
 * arrives. After a full batch more is waiting, so the next one is read (and prepared) at once,
 * while the caller handles this one: the database and this process then work at the same time,
 * not in turn. One reader per leadership term: what it read ahead is the old leader's.
 */
export class EventLogBatchReader<P> {
  /** The next batch, read while the one before it is handled. */
  private ahead?: { readonly after: LogCursor; readonly reading: Promise<EventLogBatch<P>> };

  constructor(
    private readonly store: EventStore,
    /** Where it reads: the subscription's own connection. */
    private readonly sql: Sql,
    private readonly options: EventLogBatchReaderOptions<P>,
  ) {}

  /** The batch after `from`: the one read ahead when it starts there, else read now. */
  async next(from: LogCursor): Promise<EventLogBatch<P>> {
    const ahead = this.ahead;
    this.ahead = undefined;
    const batch = await (ahead !== undefined && ahead.after === from ? ahead.reading : this.read(from));
    if (batch.scanned > 0 && batch.scanned === this.options.batchSize) this.ahead = { after: batch.cursor, reading: this.read(batch.cursor) };
    return batch;
  }

  /** Forgets the batch read ahead: the batch before it failed and is to be read again. */
  dropAhead(): void {
    this.ahead = undefined;
  }

  private read(after: LogCursor): Promise<EventLogBatch<P>> {
    const { batchSize, asStored, types, prepare } = this.options;
    const reading = this.store.readAll(after, batchSize, this.sql, { asStored, types }).then(async (result) => ({
      ...result,
      prepared: result.events.length > 0 && prepare !== undefined ? await prepare(result.events) : undefined,
    }));
    // A read ahead may be dropped (stop, or a failed batch): its failure must not go unhandled.
    reading.catch(() => undefined);
    return reading;
  }
}
