/** How long an EventLogSubscription waits, and for what; defaults resolved. */
export interface EventLogWaitSettings {
  readonly batchSize: number;
  /** Once caught up, read at most this often (0: at once). */
  readonly minReadIntervalMs: number;
  /** Polling when nothing signals: the fallback if a notification is lost. */
  readonly idlePollMs: number;
  /** After a wake-up, events may still sit above the horizon (an older transaction is running): look again this soon. */
  readonly horizonPollMs: number;
  /** How long after a wake-up to keep looking that often. */
  readonly horizonWindowMs: number;
  /** The checkpoint is stored at most this often, and before any wait at least this long. */
  readonly checkpointEveryMs: number;
}

/** A wait before the next read: how long, and whether a wake-up (an append's NOTIFY) ends it early. Stop ends any. */
export interface EventLogWait {
  readonly ms: number;
  readonly wakeable: boolean;
}

/** The longest wait between two attempts at a failing batch. */
const MAX_BACKOFF_MS = 5_000;

/**
 * When an event-log subscription reads next. Pure: it is told what the last read found and the
 * times that matter (in milliseconds), and reads no clock.
 *
 * After each read: on at once while more is waiting (a full batch); otherwise the pace (the rest of
 * minReadIntervalMs, which a wake-up does not cut short, or pacing would be undone by the very
 * commits it is meant to gather), then — unless a wake-up came since the read, or a paced consumer
 * found something — a poll, soon while a recent wake-up's commit may still be above the horizon,
 * else idly. A short batch means the read reached the horizon: reading again at once would find
 * only what was committed since, and every such commit wakes the consumer anyway.
 */
export class EventLogWaitPolicy {
  constructor(private readonly settings: EventLogWaitSettings) {}

  /**
   * Whether to read again at once, without waiting (and without storing the checkpoint unless it
   * is due): after a full batch, as more is waiting.
   */
  readsOnAtOnce(scanned: number): boolean {
    return scanned > 0 && scanned === this.settings.batchSize;
  }

  /**
   * Whether to store the checkpoint now, `msSinceSaved` after it was last stored, before a wait of
   * `nextWaitMs` (0: reading on at once): once checkpointEveryMs has passed, or before a wait at
   * least that long. A busy consumer then writes its checkpoint a few times a second, however
   * many short reads it makes (each commit wakes it), while an idle one never leaves it behind
   * what it handled; after a crash at most checkpointEveryMs of the log is handled again.
   */
  checkpointDue(msSinceSaved: number, nextWaitMs: number): boolean {
    return msSinceSaved >= this.settings.checkpointEveryMs || nextWaitMs >= this.settings.checkpointEveryMs;
  }

  /** The pace after a read that did not read on at once: until minReadIntervalMs after it (0 without a pace). */
  pace(msSinceRead: number): EventLogWait {
    return { ms: Math.max(0, this.settings.minReadIntervalMs - msSinceRead), wakeable: false };
  }

  /**
   * After the pace: nothing (read at once) when a wake-up came since (or just before) the read, as
   * its commit may have been above the horizon then, or when a paced consumer's read found
   * something (the pace was the wait); otherwise a poll that a wake-up ends.
   */
  afterPace(read: { readonly scanned: number; readonly wokenSinceRead: boolean; readonly msSinceWakeUp: number }): EventLogWait | undefined {
    if (read.wokenSinceRead || (read.scanned > 0 && this.settings.minReadIntervalMs > 0)) return undefined;
    const recentlyWoken = read.msSinceWakeUp < this.settings.horizonWindowMs;
    return { ms: recentlyWoken ? this.settings.horizonPollMs : this.settings.idlePollMs, wakeable: true };
  }

  /** After the `failures`-th failure in a row to handle a batch: back off while the cause lasts. */
  afterFailure(failures: number): EventLogWait {
    return { ms: Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures), wakeable: true };
  }
}
