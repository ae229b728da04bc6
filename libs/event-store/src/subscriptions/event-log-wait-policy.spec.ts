import { EventLogWaitPolicy, type EventLogWaitSettings } from './event-log-wait-policy';

const SETTINGS: EventLogWaitSettings = { batchSize: 100, minReadIntervalMs: 250, idlePollMs: 1_000, horizonPollMs: 5, horizonWindowMs: 2_000, checkpointEveryMs: 100 };

/** Given a consumer with these settings (the defaults above otherwise). */
function given(settings: Partial<EventLogWaitSettings> = {}): EventLogWaitPolicy {
  return new EventLogWaitPolicy({ ...SETTINGS, ...settings });
}

describe('EventLogWaitPolicy', () => {
  describe('right after a read', () => {
    it('given a full batch, reads on at once, paced or not: more is waiting', () => {
      expect(given().readsOnAtOnce(100)).toBe(true);
      expect(given({ minReadIntervalMs: 0 }).readsOnAtOnce(100)).toBe(true);
    });

    it('given a short batch, does not read on at once, paced or not: the read reached the horizon', () => {
      expect(given({ minReadIntervalMs: 0 }).readsOnAtOnce(3)).toBe(false);
      expect(given({ minReadIntervalMs: 0 }).readsOnAtOnce(99)).toBe(false);
      expect(given().readsOnAtOnce(3)).toBe(false);
      expect(given().readsOnAtOnce(99)).toBe(false);
    });

    it('given an empty read, never reads on at once', () => {
      expect(given().readsOnAtOnce(0)).toBe(false);
      expect(given({ minReadIntervalMs: 0 }).readsOnAtOnce(0)).toBe(false);
    });
  });

  describe('the pace', () => {
    it('waits out the rest of minReadIntervalMs since the read, and a wake-up does not end it', () => {
      expect(given().pace(40)).toEqual({ ms: 210, wakeable: false });
      expect(given().pace(0)).toEqual({ ms: 250, wakeable: false });
    });

    it('is over when the read (and handling its batch) took the whole interval', () => {
      expect(given().pace(250)).toEqual({ ms: 0, wakeable: false });
      expect(given().pace(900)).toEqual({ ms: 0, wakeable: false });
    });

    it('is nothing for a consumer without a pace', () => {
      expect(given({ minReadIntervalMs: 0 }).pace(0)).toEqual({ ms: 0, wakeable: false });
    });
  });

  describe('after the pace', () => {
    it('given a paced read that found something, reads at once: the pace was the wait', () => {
      expect(given().afterPace({ scanned: 3, wokenSinceRead: false, msSinceWakeUp: 60_000 })).toBeUndefined();
    });

    it('given an unpaced short batch and no wake-up since, polls like an empty read: what is committed later wakes it', () => {
      const unpaced = given({ minReadIntervalMs: 0 });
      expect(unpaced.afterPace({ scanned: 3, wokenSinceRead: false, msSinceWakeUp: 10 })).toEqual({ ms: 5, wakeable: true });
      expect(unpaced.afterPace({ scanned: 3, wokenSinceRead: false, msSinceWakeUp: 60_000 })).toEqual({ ms: 1_000, wakeable: true });
      expect(unpaced.afterPace({ scanned: 3, wokenSinceRead: true, msSinceWakeUp: 0 })).toBeUndefined();
    });

    it('given an empty read and a wake-up since it, reads at once: the commit may have been above the horizon', () => {
      expect(given().afterPace({ scanned: 0, wokenSinceRead: true, msSinceWakeUp: 1 })).toBeUndefined();
      expect(given({ minReadIntervalMs: 0 }).afterPace({ scanned: 0, wokenSinceRead: true, msSinceWakeUp: 0 })).toBeUndefined();
    });

    it('given an empty read soon after a wake-up, polls the horizon quickly, and a wake-up ends the poll', () => {
      expect(given().afterPace({ scanned: 0, wokenSinceRead: false, msSinceWakeUp: 300 })).toEqual({ ms: 5, wakeable: true });
      expect(given().afterPace({ scanned: 0, wokenSinceRead: false, msSinceWakeUp: 1_999 })).toEqual({ ms: 5, wakeable: true });
    });

    it('given an empty read and no wake-up within horizonWindowMs, polls idly, and a wake-up ends the poll', () => {
      expect(given().afterPace({ scanned: 0, wokenSinceRead: false, msSinceWakeUp: 2_000 })).toEqual({ ms: 1_000, wakeable: true });
      // Never woken: the last wake-up is the epoch.
      expect(given().afterPace({ scanned: 0, wokenSinceRead: false, msSinceWakeUp: Date.UTC(2026, 10, 28) })).toEqual({ ms: 1_000, wakeable: true });
    });
  });

  describe('after a batch fails', () => {
    it('backs off exponentially from 100 ms up to 5 s, and a wake-up ends the wait', () => {
      const policy = given();
      expect([1, 2, 3, 4, 5, 6, 7, 20].map((failures) => policy.afterFailure(failures))).toEqual(
        [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000].map((ms) => ({ ms, wakeable: true })),
      );
    });
  });

  describe('the checkpoint', () => {
    it('is not stored between reads that come close together: a busy consumer stores it a few times a second', () => {
      expect(given().checkpointDue(40, 0)).toBe(false);
      expect(given().checkpointDue(40, 5)).toBe(false);
      expect(given().checkpointDue(99, 99)).toBe(false);
    });

    it('is stored once checkpointEveryMs has passed since it last was', () => {
      expect(given().checkpointDue(100, 0)).toBe(true);
      expect(given().checkpointDue(2_500, 5)).toBe(true);
    });

    it('is stored before any wait at least that long: an idle consumer never leaves it behind what it handled', () => {
      expect(given().checkpointDue(0, 1_000)).toBe(true);
      expect(given().checkpointDue(3, 100)).toBe(true);
    });
  });
});
