import pg from 'pg';
import { PLANNED_ONCE_SESSION_OPTIONS } from '../sql/planned-once-session';
import type { EventStore } from '../event-store';
import type { LogCursor, RecordedEvent } from '../event-store.types';
import { EVENT_LOG_CHANNEL } from './append-notifier';
import { loadCheckpoint, saveCheckpoint } from './checkpoints';
import { EventLogBatchReader, type EventLogBatch } from './event-log-batch-reader';
import { EventLogWaitPolicy, type EventLogWait } from './event-log-wait-policy';

/**
 * How a batch is handled: `handle` alone, or `prepare` first — work that needs no database (e.g.
 * hashing), done as soon as the batch is read, so that for a batch read ahead it runs while the
 * batch before it is still being handled (the process computes while the database writes). A long
 * `prepare` should yield now and then (return a promise), or the handler's round trips wait on it.
 */
export type EventLogHandling<P> =
  | { readonly prepare?: undefined; readonly handle: (events: readonly RecordedEvent[]) => Promise<void> }
  | { readonly prepare: (events: readonly RecordedEvent[]) => P | Promise<P>; readonly handle: (prepared: P) => Promise<void> };

export type EventLogSubscriptionOptions<P = never> = EventLogSubscriptionSettings & EventLogHandling<P>;

export interface EventLogSubscriptionSettings {
  /** The consumer's name: its checkpoint row and its leadership lock. */
  readonly name: string;
  /**
   * A dedicated connection holds the leadership lock, listens for wake-ups and reads the log (see
   * EventLogSubscription).
   */
  readonly connectionString: string;
  /** The longest a read or a checkpoint write on that connection may take (0 or absent: no limit). */
  readonly statementTimeoutMs?: number;
  readonly batchSize?: number;
  /** Polling when nothing signals: the fallback if a notification is lost. */
  readonly idlePollMs?: number;
  /** After a wake-up, events may still sit above the horizon (an older transaction is running): look again this soon. */
  readonly horizonPollMs?: number;
  /** How long after a wake-up to keep looking that often. */
  readonly horizonWindowMs?: number;
  /** How often a standby tries to become the leader. */
  readonly standbyRetryMs?: number;
  /**
   * The checkpoint is stored at most this often while events keep coming, and always before
   * waiting longer than this (see EventLogWaitPolicy.checkpointDue): after a crash at most this
   * much is handled again, which handlers tolerate.
   */
  readonly checkpointEveryMs?: number;
  /**
   * Once caught up, read at most this often (default 0: at once). For a consumer that need not
   * react within milliseconds (the sealer): a steady trickle of commits is then handled in
   * batches, not an event or two per round trip. A full batch is always followed at once.
   */
  readonly minReadIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
  /** Hand events over as stored, without upcasting (see EventStore.readAll). */
  readonly asStored?: boolean;
  /**
   * Hand over only events of these types (see EventStore.readAll): the others are never sent, and
   * the checkpoint still moves past them.
   */
  readonly types?: readonly string[];
}

/**
 * A consumer of the whole event log that never skips an event: it follows `readAll`'s gap-safe
 * cursor and stores its checkpoint after handling each batch (so a crash re-delivers, never
 * loses; handlers must be idempotent). One instance across all processes is active: the one
 * holding a Postgres advisory lock on a dedicated connection; if its process dies the lock goes
 * with the connection and a standby takes over within `standbyRetryMs`. What it reads comes from
 * an EventLogBatchReader (with read-ahead), when it reads from an EventLogWaitPolicy.
 *
 * The reads and the checkpoint go over that same connection, whose session plans each statement
 * once (PLANNED_ONCE_SESSION_OPTIONS): a read at the log's end is otherwise planned afresh every time
 * (PostgreSQL's estimate for a generic cursor comparison is a third of the table, so its plan cache
 * keeps choosing custom plans), and planning was most of a read's cost (about 270 µs of the 390 a
 * read at the end of a 200,000-event log took, measured) — on the most frequent statement of a
 * busy worker.
 */
export class EventLogSubscription<P = never> {
  private stopped = false;
  private running?: Promise<void>;
  private leader = false;
  /** Ends the current sleep early (a wake-up, or stop). */
  private wake?: () => void;
  /** Ends the current sleep or pause early (stop). */
  private interrupt?: () => void;
  private lastWokenAt = 0;
  /** Detaches this consumer from the store's AppendNotifier (see start). */
  private detach?: () => void;
  private cursor?: LogCursor;
  private readonly waits: EventLogWaitPolicy;

  constructor(
    private readonly store: EventStore,
    private readonly options: EventLogSubscriptionOptions<P>,
  ) {
    this.waits = new EventLogWaitPolicy({
      batchSize: options.batchSize ?? 500,
      minReadIntervalMs: options.minReadIntervalMs ?? 0,
      idlePollMs: options.idlePollMs ?? 1_000,
      horizonPollMs: options.horizonPollMs ?? 5,
      horizonWindowMs: options.horizonWindowMs ?? 2_000,
      checkpointEveryMs: options.checkpointEveryMs ?? 100,
    });
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.stopped = false;
    // Woken directly after this process's appends; while it leads, its process's appends need no
    // NOTIFY for it (see AppendNotifier).
    this.detach ??= this.store.notifier?.attach({ isLeading: () => this.leader, wake: () => this.wokenUp() });
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.detach?.();
    this.detach = undefined;
    this.interrupt?.();
    await this.running;
  }

  private async run(): Promise<void> {
    const standbyRetryMs = this.options.standbyRetryMs ?? 1_000;
    while (!this.stopped) {
      let client: pg.Client | undefined;
      try {
        client = await this.tryToLead();
        if (client) await this.lead(client);
      } catch (error) {
        this.options.onError?.(error);
      } finally {
        this.leader = false;
        this.cursor = undefined;
        await client?.end().catch(() => undefined);
      }
      if (!this.stopped) await this.sleep({ ms: standbyRetryMs, wakeable: true });
    }
  }

  private async tryToLead(): Promise<pg.Client | undefined> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      keepAlive: true,
      application_name: `cdt-fund-${this.options.name}`,
      // Each read planned once per session, not on every read (see the class's comment).
      options: PLANNED_ONCE_SESSION_OPTIONS,
      ...(this.options.statementTimeoutMs ? { statement_timeout: this.options.statementTimeoutMs } : {}),
    });
    // Losing the leader's connection ends the lead at once (it wakes the loop). A connection that
    // never led (it failed to connect, or another process holds the lock) must not wake anything:
    // its late 'error' or 'end' would cut the standby's wait short and turn it into a reconnect loop.
    let leading = false;
    const lost = (): void => {
      if (!leading || !this.leader) return;
      leading = false;
      this.leader = false;
      this.wake?.();
    };
    client.on('error', (error) => {
      this.options.onError?.(error);
      lost();
    });
    client.on('end', lost);
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [
      `event-log-consumer:${this.options.name}`,
    ]);
    if (rows[0]?.locked !== true) {
      await client.end();
      return undefined;
    }
    client.on('notification', () => this.wokenUp());
    await client.query(`LISTEN ${EVENT_LOG_CHANNEL}`);
    leading = true;
    this.leader = true;
    return client;
  }

  /** Handles the log from the stored checkpoint on, as long as this process leads, reading over the lock's connection. */
  private async lead(client: pg.Client): Promise<void> {
    const reader = new EventLogBatchReader<P>(this.store, client, {
      batchSize: this.options.batchSize ?? 500,
      asStored: this.options.asStored === true,
      types: this.options.types,
      prepare: this.options.prepare,
    });
    this.cursor = await loadCheckpoint(client, this.options.name);
    let saved = this.cursor;
    let savedAt = Date.now();
    const save = async () => {
      if (this.cursor === undefined || this.cursor === saved) return;
      await saveCheckpoint(client, this.options.name, this.cursor);
      saved = this.cursor;
      savedAt = Date.now();
    };
    /** Stores the checkpoint if it is due before a wait of `nextWaitMs`; whether it did. */
    const saveIfDue = async (nextWaitMs: number): Promise<boolean> => {
      if (!this.waits.checkpointDue(Date.now() - savedAt, nextWaitMs)) return false;
      await save();
      return true;
    };
    let failures = 0;
    while (!this.stopped && this.leader) {
      const readAt = Date.now();
      const batch = await reader.next(this.cursor);
      if (batch.scanned > 0) {
        try {
          if (batch.events.length > 0) await this.handle(batch);
          failures = 0;
        } catch (error) {
          // Keep the checkpoint and try the same batch again, backing off while the cause lasts.
          reader.dropAhead();
          this.options.onError?.(error);
          failures += 1;
          await this.sleep(this.waits.afterFailure(failures));
          continue;
        }
        this.cursor = batch.cursor;
        if (this.waits.readsOnAtOnce(batch.scanned)) {
          await saveIfDue(0);
          continue;
        }
      }
      await saveIfDue(this.waits.pace(Date.now() - readAt).ms);
      await this.sleep(this.waits.pace(Date.now() - readAt));
      const afterPace = () =>
        this.waits.afterPace({ scanned: batch.scanned, wokenSinceRead: this.lastWokenAt >= readAt, msSinceWakeUp: Date.now() - this.lastWokenAt });
      let poll = afterPace();
      // A wake-up that came during the save is not waited through.
      if (poll !== undefined && (await saveIfDue(poll.ms))) poll = afterPace();
      if (poll !== undefined) await this.sleep(poll);
    }
    // Stepping down (stop, or the lock's connection lost): keep what was handled.
    await save().catch((error: unknown) => this.options.onError?.(error));
  }

  /** New events may have committed: a wait for them ends now. */
  private wokenUp(): void {
    this.lastWokenAt = Date.now();
    this.wake?.();
  }

  private handle(batch: EventLogBatch<P>): Promise<void> {
    const handling = this.options;
    return handling.prepare === undefined ? handling.handle(batch.events) : handling.handle(batch.prepared as P);
  }

  /** Waits; a wake-up ends a wakeable wait early, and stop() ends any. */
  private sleep({ ms, wakeable }: EventLogWait): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const end = () => {
        clearTimeout(timer);
        resolve();
      };
      this.interrupt = end;
      this.wake = wakeable ? end : undefined;
    });
  }
}
