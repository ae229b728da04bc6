import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { AppendNotifier, EventLogSubscription, EventStore, loadCheckpoint, type EventLogSubscriptionSettings, type RecordedEvent } from '@app/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@app/testing';

describe('EventLogSubscription (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: EventStore;
  const running: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 10 });
    pool.on('error', () => undefined);
    store = new EventStore(pool, { notifier: new AppendNotifier(pool) });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /**
   * Starts a consumer (on this file's store and pool unless told otherwise) recording each batch
   * it is handed.
   */
  function record(
    name: string,
    settings: Omit<EventLogSubscriptionSettings, 'name' | 'connectionString'>,
    { on = { store }, onBatch }: { on?: { store: EventStore }; onBatch?: () => void } = {},
  ): { batches: RecordedEvent[][]; subscription: EventLogSubscription } {
    const batches: RecordedEvent[][] = [];
    const subscription = new EventLogSubscription(on.store, {
      ...settings,
      name,
      connectionString: db.url,
      handle: (events) => {
        batches.push([...events]);
        onBatch?.();
        return Promise.resolve();
      },
    });
    subscription.start();
    running.push(subscription);
    return { batches, subscription };
  }

  function subscribe(
    name: string,
    options: { batchSize: number; minReadIntervalMs?: number; types?: readonly string[]; onBatch?: () => void },
  ): RecordedEvent[][] {
    const { onBatch, ...settings } = options;
    return record(name, settings, onBatch === undefined ? {} : { onBatch }).batches;
  }

  async function untilLeading(subscription: EventLogSubscription): Promise<void> {
    await eventually(() => Promise.resolve(subscription.isLeader ? true : undefined), { timeoutMs: 10_000, intervalMs: 10 });
  }

  it('a standby that cannot connect tries again every standbyRetryMs, not in a loop', async () => {
    // Its database is gone: each attempt fails at connect, and the failed connection's own error or
    // end must not cut the wait before the next attempt short.
    const errors: unknown[] = [];
    const subscription = new EventLogSubscription(store, {
      name: `gone-${randomUUID()}`,
      connectionString: db.url.replace(/\/[^/?]+(\?|$)/u, `/cdt_fund_no_such_database_${randomUUID().slice(0, 8)}$1`),
      standbyRetryMs: 200,
      onError: (error) => errors.push(error),
      handle: () => Promise.resolve(),
    });
    subscription.start();
    running.push(subscription);
    await sleep(1_500);
    expect(subscription.isLeader).toBe(false);
    expect(String(errors[0])).toContain('does not exist');
    // About one attempt per 200 ms (each reported at most twice); the reconnect loop made hundreds.
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.length).toBeLessThanOrEqual(20);
  });

  async function appendOne(type = 'Ticked', to: EventStore = store): Promise<string> {
    const eventId = randomUUID();
    await to.append([
      { streamId: `s-${randomUUID()}`, streamType: 'test', expectedVersion: 'no_stream', events: [{ eventId, type, data: {}, metadata: { correlationId: 't' } }] },
    ]);
    return eventId;
  }

  async function delivered(batches: RecordedEvent[][], ids: readonly string[], timeoutMs = 15_000): Promise<string[]> {
    return eventually(
      () => {
        const seen = batches.flat().map((e) => e.eventId);
        return Promise.resolve(ids.every((id) => seen.includes(id)) ? seen : undefined);
      },
      { timeoutMs, intervalMs: 10 },
    );
  }

  it('paces a trickle of commits into few batches, delivering each event once and in commit order', async () => {
    const intervalMs = 200;
    const batches = subscribe('paced', { batchSize: 100, minReadIntervalMs: intervalMs });
    const startedAt = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push(await appendOne());
      await sleep(10);
    }
    const seen = await delivered(batches, ids);
    const elapsedMs = Date.now() - startedAt;

    expect(seen).toEqual(ids);
    // One read per interval at most (plus the first, which comes at once): 40 commits ~10 ms apart
    // arrive in a handful of batches, not one batch per commit.
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / intervalMs) + 1);
    expect(batches.length).toBeLessThan(ids.length);
  });

  it('reads on at once after a full batch, whatever the pace', async () => {
    const before: string[] = [];
    for (let i = 0; i < 25; i++) before.push(await appendOne());
    const intervalMs = 2_000;
    const handledAt: number[] = [];
    const batches = subscribe('backlog', { batchSize: 5, minReadIntervalMs: intervalMs, onBatch: () => handledAt.push(Date.now()) });
    const seen = await delivered(batches, before, 45_000);

    expect(seen.slice(-before.length)).toEqual(before);
    // A full batch is followed by the next read at once; only a short one (caught up, or cut short
    // by another database's open transaction holding the horizon back) waits out the pace. The
    // read after a full batch can itself come back empty while such a transaction runs (other test
    // files share the cluster), so one gap of the four may be a pace; a subscription that paced
    // after every batch would show four.
    const afterFull = batches.slice(0, -1).flatMap((batch, i) => (batch.length === 5 ? [handledAt[i + 1]! - handledAt[i]!] : []));
    expect(afterFull.length).toBeGreaterThanOrEqual(3);
    expect(afterFull.filter((gap) => gap < intervalMs / 2).length).toBeGreaterThanOrEqual(afterFull.length - 1);
  });

  it('without a pace, hands over each commit as it comes', async () => {
    const batches = subscribe('eager', { batchSize: 100 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push(await appendOne());
      // Each commit has been handed over before the next one is made.
      await delivered(batches, ids);
    }
    expect(batches.flat().map((e) => e.eventId).slice(-ids.length)).toEqual(ids);
  });

  it('with types, hands over only those, in order, and checkpoints past the others', async () => {
    const wanted: string[] = [];
    for (let i = 0; i < 12; i++) {
      wanted.push(await appendOne('Chimed'));
      await appendOne('Ticked');
      await appendOne('Ticked');
    }
    const lastIgnored = await appendOne('Ticked');
    const batches = subscribe('typed', { batchSize: 4, types: ['Chimed'] });
    const seen = await delivered(batches, wanted);

    expect(seen).toEqual(wanted);
    expect(batches.every((batch) => batch.length > 0 && batch.every((e) => e.type === 'Chimed'))).toBe(true);
    // Batches of 4 read from the log hold one or two wanted events each: none is handed over empty.
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(2);
    const { rows } = await pool.query<{ position: string }>('SELECT global_position::text AS position FROM events WHERE event_id = $1', [lastIgnored]);
    await eventually(
      async () => ((await loadCheckpoint(pool, 'typed')).position === Number(rows[0]!.position) ? true : undefined),
      { timeoutMs: 15_000, intervalMs: 20 },
    );
  });

  it('reading ahead of a batch that fails skips nothing: the batch comes again, then the rest in order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await appendOne('Rang'));
    const handed: string[][] = [];
    let calls = 0;
    const subscription = new EventLogSubscription(store, {
      name: 'failing-once',
      connectionString: db.url,
      batchSize: 3,
      types: ['Rang'],
      handle: (events) => {
        calls += 1;
        handed.push(events.map((e) => e.eventId));
        // The second batch fails once, while the third has already been read ahead.
        return calls === 2 ? Promise.reject(new Error('handler down')) : Promise.resolve();
      },
      onError: () => undefined,
    });
    subscription.start();
    running.push(subscription);
    await eventually(() => Promise.resolve(handed.flat().filter((id) => id === ids.at(-1)).length > 0 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 10,
    });

    expect(handed[2]).toEqual(handed[1]);
    const delivered = [handed[0]!, ...handed.slice(2)].flat();
    expect(delivered).toEqual(ids);
  });

  it('prepares a batch read ahead while the one before it is still being handled', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(await appendOne('Prepped'));
    const log: string[] = [];
    const handled: string[][] = [];
    let prepares = 0;
    const subscription = new EventLogSubscription<{ ids: string[]; n: number }>(store, {
      name: 'preparing',
      connectionString: db.url,
      batchSize: 3,
      types: ['Prepped'],
      prepare: (events) => {
        prepares += 1;
        log.push(`prepare ${prepares}`);
        return { ids: events.map((e) => e.eventId), n: prepares };
      },
      handle: async ({ ids: batch, n }: { ids: string[]; n: number }) => {
        log.push(`handle ${n} starts`);
        // Held until the next batch has been prepared (or 2 s, so a failure cannot hang the test).
        const deadline = Date.now() + 2_000;
        while (n < 3 && prepares <= n && Date.now() < deadline) await sleep(5);
        handled.push(batch);
        log.push(`handle ${n} ends`);
      },
    });
    subscription.start();
    running.push(subscription);
    await eventually(() => Promise.resolve(handled.flat().includes(ids.at(-1)!) ? true : undefined), { timeoutMs: 15_000, intervalMs: 10 });

    expect(handled.flat()).toEqual(ids);
    expect(log.slice(0, 6)).toEqual(['prepare 1', 'handle 1 starts', 'prepare 2', 'handle 1 ends', 'handle 2 starts', 'prepare 3']);
  });

  it('stops at once even in the middle of a long pause', async () => {
    const subscription = new EventLogSubscription(store, {
      name: 'stopping',
      connectionString: db.url,
      minReadIntervalMs: 60_000,
      handle: () => Promise.resolve(),
    });
    subscription.start();
    await untilLeading(subscription);
    await sleep(100);
    const stoppingAt = Date.now();
    await subscription.stop();
    expect(Date.now() - stoppingAt).toBeLessThan(5_000);
  });

  it('a commit made while the checkpoint is being stored before an idle wait is not waited through', async () => {
    // The checkpoint's store takes 300 ms here (a trigger sleeps in it); the test sees it start in
    // pg_stat_activity.
    const name = `slow-save-${randomUUID()}`;
    await pool.query(`CREATE OR REPLACE FUNCTION slow_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$`);
    await pool.query(`CREATE TRIGGER slow_checkpoint BEFORE INSERT OR UPDATE ON consumer_checkpoints
      FOR EACH ROW WHEN (NEW.consumer LIKE 'slow-save-%') EXECUTE FUNCTION slow_checkpoint()`);
    try {
      // It stores its checkpoint only before its idle wait (a minute), a second after a wake-up.
      const { batches, subscription } = record(name, { idlePollMs: 60_000, checkpointEveryMs: 60_000, horizonWindowMs: 1_000 });
      await untilLeading(subscription);

      // The first commit is handed over; a second later the consumer stores its checkpoint before its
      // idle wait of a minute, and the second commit is made during that store.
      const first = await appendOne();
      await delivered(batches, [first]);
      await eventually(async () => {
        const { rows } = await pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%consumer_checkpoints%'`,
          [`cdt-fund-${name}`],
        );
        return rows.length > 0 ? true : undefined;
      }, { timeoutMs: 10_000, intervalMs: 5 });
      const second = await appendOne();
      await delivered(batches, [second], 10_000);
    } finally {
      await pool.query('DROP TRIGGER slow_checkpoint ON consumer_checkpoints');
    }
  });

  describe('wake-ups within a process', () => {
    /** A process of its own: a pool, an event store with its notifier, and its NOTIFYs counted. */
    function aProcess(): { store: EventStore; pool: pg.Pool; notifies: () => number } {
      const own = new pg.Pool({ connectionString: db.url, max: 4 });
      own.on('error', () => undefined);
      closing.push(own);
      const query = jest.spyOn(own, 'query');
      const notifies = () => query.mock.calls.filter(([text]) => typeof text === 'string' && text.includes('pg_notify')).length;
      return { store: new EventStore(own, { notifier: new AppendNotifier(own) }), pool: own, notifies };
    }
    const closing: pg.Pool[] = [];
    afterAll(async () => {
      await Promise.all(closing.map((p) => p.end()));
    });

    /**
     * A consumer that reads only once woken: its idle poll is too slow to matter here. After a
     * wake-up it looks again every few ms for a while (a commit of another test file's database
     * may hold the cluster-wide horizon back for a moment), as the service's consumers do.
     */
    function consumer(on: { store: EventStore }, name: string): { batches: RecordedEvent[][]; subscription: EventLogSubscription } {
      return record(name, { idlePollMs: 60_000, horizonWindowMs: 4_000 }, { on });
    }

    async function leading(subscription: EventLogSubscription): Promise<void> {
      await untilLeading(subscription);
      // Its first read (from its checkpoint) is over before the test appends.
      await sleep(200);
    }

    it('a consumer leading in the appending process is woken directly, and no NOTIFY is sent', async () => {
      const worker = aProcess();
      const { batches, subscription } = consumer(worker, `local-${randomUUID()}`);
      await leading(subscription);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await appendOne('Ticked', worker.store));
        await delivered(batches, ids, 5_000);
      }
      expect(worker.notifies()).toBe(0);
    });

    it('a process with no consumer, or with one led elsewhere, sends NOTIFY, and the leader elsewhere is woken by it', async () => {
      const name = `shared-${randomUUID()}`;
      const worker = aProcess();
      const { batches, subscription } = consumer(worker, name);
      await leading(subscription);
      const standbyProcess = aProcess();
      const standby = consumer(standbyProcess, name);
      const api = aProcess();

      const fromApi = await appendOne('Ticked', api.store);
      await delivered(batches, [fromApi], 5_000);
      expect(api.notifies()).toBeGreaterThanOrEqual(1);

      const fromStandbyProcess = await appendOne('Ticked', standbyProcess.store);
      await delivered(batches, [fromStandbyProcess], 5_000);
      expect(standby.subscription.isLeader).toBe(false);
      expect(standbyProcess.notifies()).toBeGreaterThanOrEqual(1);
    });
  });
});
