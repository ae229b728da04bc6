import type { Pool } from 'pg';

/** The channel consumers of the log LISTEN on. */
export const EVENT_LOG_CHANNEL = 'event_log';

/** Between two wake-ups from one process: keeps a burst of appends to a handful of NOTIFYs. */
const MIN_INTERVAL_MS = 5;

/**
 * Wakes event-log consumers after appends commit. The NOTIFY is sent in its own statement after
 * the commit, never inside the append's transaction: PostgreSQL lets only one notifying
 * transaction commit at a time across the whole server, so a trigger would serialise every
 * append. Signals are coalesced: at most one NOTIFY in flight per process, and a signal that
 * arrives meanwhile is sent right after it.
 */
export class AppendNotifier {
  private inFlight = false;
  private pending = false;

  constructor(private readonly pool: Pool) {}

  signal(): void {
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.send();
  }

  private send(): void {
    this.inFlight = true;
    this.pending = false;
    this.pool
      .query('SELECT pg_notify($1, $2)', [EVENT_LOG_CHANNEL, ''])
      // A lost wake-up only costs latency: consumers poll as well.
      .catch(() => undefined)
      .finally(() => {
        setTimeout(() => {
          this.inFlight = false;
          if (this.pending) this.send();
        }, MIN_INTERVAL_MS).unref();
      });
  }
}
