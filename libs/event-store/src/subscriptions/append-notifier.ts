import type { Pool } from 'pg';

/** The channel consumers of the log LISTEN on. */
export const EVENT_LOG_CHANNEL = 'event_log';

/** Between two wake-ups from one process: keeps a burst of appends to a handful of NOTIFYs. */
const MIN_INTERVAL_MS = 5;

/** A consumer of the log in this process, as the notifier sees it. */
export interface LocalConsumer {
  /** Whether it is the active instance (it holds its leadership lock). */
  isLeading(): boolean;
  /** Ends its wait for new events. */
  wake(): void;
}

/**
 * Wakes event-log consumers after appends commit. The NOTIFY is sent in its own statement after
 * the commit, never inside the append's transaction: PostgreSQL lets only one notifying
 * transaction commit at a time across the whole server, so a trigger would serialise every
 * append. Signals are coalesced: at most one wake-up per MIN_INTERVAL_MS per process, and a
 * signal that arrives meanwhile is sent right after it.
 *
 * The consumers attached in this process are woken directly. When every one of them leads here
 * — the worker (or the single process) that runs them all, the usual case — no NOTIFY is sent:
 * every process runs the same consumers, so no other process has one to wake. A process without
 * consumers (the API), or with one led elsewhere, sends it. Should a leader elsewhere miss a
 * wake-up (its lock moved a moment ago), it only waits for its next poll: consumers poll as well.
 */
export class AppendNotifier {
  private inFlight = false;
  private pending = false;
  private readonly locals = new Set<LocalConsumer>();

  constructor(private readonly pool: Pool) {}

  /** Wakes `consumer` after this process's appends; the returned function detaches it. */
  attach(consumer: LocalConsumer): () => void {
    this.locals.add(consumer);
    return () => this.locals.delete(consumer);
  }

  signal(): void {
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.send();
  }

  /** Whether some process other than this one may run a consumer to wake. */
  private othersToWake(): boolean {
    if (this.locals.size === 0) return true;
    for (const consumer of this.locals) if (!consumer.isLeading()) return true;
    return false;
  }

  private send(): void {
    this.inFlight = true;
    this.pending = false;
    for (const consumer of this.locals) consumer.wake();
    const notified = this.othersToWake()
      ? this.pool
          .query('SELECT pg_notify($1, $2)', [EVENT_LOG_CHANNEL, ''])
          // A lost wake-up only costs latency: consumers poll as well.
          .then(() => undefined, () => undefined)
      : Promise.resolve();
    void notified.finally(() => {
      setTimeout(() => {
        this.inFlight = false;
        if (this.pending) this.send();
      }, MIN_INTERVAL_MS).unref();
    });
  }
}
