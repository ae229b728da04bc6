import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  ConcurrencyError,
  DuplicateEventIdError,
  EventStore,
  handleCommand,
  LOG_START,
  UpcasterRegistry,
  type Decider,
  type DomainEvent,
  type LogCursor,
  type NewEvent,
  type RecordedEvent,
  type ReadAllOptions,
  type StreamAppend,
} from '@app/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@app/testing';

/** A tiny aggregate for the command helper: a counter that only goes up. */
type Incremented = DomainEvent<'Incremented', { by: number }>;
interface Increment {
  readonly by: number;
}
const counter: Decider<{ count: number }, Increment, Incremented> = {
  initialState: () => ({ count: 0 }),
  evolve: (state, event) => ({ count: state.count + event.data.by }),
  decide: (command) => [{ type: 'Incremented', data: { by: command.by } }],
};

function newEvent(type = 'Something', data: unknown = { n: 1 }, schemaVersion?: number): NewEvent {
  return { eventId: randomUUID(), type, data, schemaVersion, metadata: { correlationId: 'test' } };
}

function stream(streamId: string, expectedVersion: StreamAppend['expectedVersion'], events: NewEvent[]): StreamAppend {
  return { streamId, streamType: 'test', expectedVersion, events };
}

/** Polls until `probe` returns a value (other databases' open transactions can briefly hold back `readAll`). */
function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  return eventually(probe, { timeoutMs: 15_000, intervalMs: 10 });
}

/** Resolves to the rejection reason; fails the test if the promise resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('EventStore (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 20 });
    // pool.end() resolves before the backends have gone; the DROP ... WITH (FORCE) in afterAll then
    // terminates them, which an idle client reports through the pool's 'error' event.
    pool.on('error', () => undefined);
    store = new EventStore(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function countEvents(where = 'TRUE', values: unknown[] = []): Promise<number> {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE ${where}`, values);
    return rows[0]!.n;
  }

  async function storedIds(ids: readonly string[]): Promise<string[]> {
    const { rows } = await pool.query<{ event_id: string }>(
      'SELECT event_id::text AS event_id FROM events WHERE event_id = ANY($1::uuid[])',
      [ids],
    );
    return rows.map((row) => row.event_id);
  }

  describe('optimistic concurrency', () => {
    it('lets exactly one of 50 concurrent appends with the same expected version win; the rest get the actual version', async () => {
      const streamId = `race-${randomUUID()}`;
      await store.append([stream(streamId, 'no_stream', [newEvent(), newEvent(), newEvent()])]);

      const attempts = Array.from({ length: 50 }, () => store.append([stream(streamId, 3, [newEvent()])]));
      const settled = await Promise.allSettled(attempts);

      const won = settled.filter((s) => s.status === 'fulfilled');
      const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const error of lost) {
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId, expectedVersion: 3, actualVersion: 4 });
      }
      expect(await store.streamVersion(streamId)).toBe(4);
      const events = await store.readStream(streamId);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
      expect(await countEvents('stream_id = $1', [streamId])).toBe(4);
    });

    it("lets exactly one of 50 concurrent 'no_stream' appends create the stream", async () => {
      const streamId = `race-new-${randomUUID()}`;
      const settled = await Promise.allSettled(
        Array.from({ length: 50 }, () => store.append([stream(streamId, 'no_stream', [newEvent()])])),
      );
      const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const error of lost) {
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId, expectedVersion: 'no_stream', actualVersion: 1 });
      }
      expect(await countEvents('stream_id = $1', [streamId])).toBe(1);
    });

    it("refuses 'no_stream' on an existing stream and a stale or future version, carrying the actual version", async () => {
      const streamId = `existing-${randomUUID()}`;
      await store.append([stream(streamId, 'no_stream', [newEvent(), newEvent()])]);

      const noStream = await rejectionOf(store.append([stream(streamId, 'no_stream', [newEvent()])]));
      expect(noStream).toBeInstanceOf(ConcurrencyError);
      expect(noStream).toMatchObject({ streamId, expectedVersion: 'no_stream', actualVersion: 2 });

      const stale = await rejectionOf(store.append([stream(streamId, 1, [newEvent()])]));
      expect(stale).toMatchObject({ name: 'ConcurrencyError', expectedVersion: 1, actualVersion: 2 });

      const future = await rejectionOf(store.append([stream(streamId, 7, [newEvent()])]));
      expect(future).toMatchObject({ name: 'ConcurrencyError', expectedVersion: 7, actualVersion: 2 });

      const missing = await rejectionOf(store.append([stream(`missing-${randomUUID()}`, 1, [newEvent()])]));
      expect(missing).toMatchObject({ name: 'ConcurrencyError', expectedVersion: 1, actualVersion: 0 });

      expect(await store.streamVersion(streamId)).toBe(2);
      expect(await countEvents('stream_id = $1', [streamId])).toBe(2);
    });

    it("treats expected version 0 as 'no_stream' and rejects nonsense versions", async () => {
      const streamId = `zero-${randomUUID()}`;
      const [created] = await store.append([stream(streamId, 0, [newEvent()])]);
      expect(created!.nextVersion).toBe(1);
      const again = await rejectionOf(store.append([stream(streamId, 0, [newEvent()])]));
      expect(again).toMatchObject({ name: 'ConcurrencyError', expectedVersion: 0, actualVersion: 1 });
      for (const bad of [-1, 1.5, Number.NaN]) {
        await expect(store.append([stream(streamId, bad, [newEvent()])])).rejects.toThrow(/expected version/);
      }
      await expect(store.append([stream(streamId, 1, [])])).rejects.toThrow(/no events/);
      expect(await store.streamVersion(streamId)).toBe(1);
    });

    it('appends several events with consecutive versions and returns what it stored', async () => {
      const streamId = `batch-${randomUUID()}`;
      const events = [newEvent('A', { a: 1 }), newEvent('B', { b: [1, 2] }), newEvent('C', { c: 'ü' })];
      const [appended] = await store.append([stream(streamId, 'no_stream', events)]);
      expect(appended!.alreadyStored).toBe(false);
      expect(appended!.nextVersion).toBe(3);
      expect(appended!.events.map((e) => [e.eventId, e.version, e.type])).toEqual(events.map((e, i) => [e.eventId, i + 1, e.type]));
      const positions = appended!.events.map((e) => e.position);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(new Set(appended!.events.map((e) => e.transactionId)).size).toBe(1);

      const read = await store.readStream(streamId);
      expect(read.map((e) => ({ id: e.eventId, v: e.version, data: e.data, position: e.position }))).toEqual(
        events.map((e, i) => ({ id: e.eventId, v: i + 1, data: e.data, position: positions[i] })),
      );
      expect(read[0]!.metadata).toEqual({ correlationId: 'test' });
      expect((await store.readStream(streamId, 2)).map((e) => e.version)).toEqual([2, 3]);

      const [next] = await store.append([stream(streamId, 3, [newEvent()])]);
      expect(next!.nextVersion).toBe(4);
      expect(next!.events[0]!.version).toBe(4);
    });
  });

  describe('multi-stream appends', () => {
    it('stores several streams in one transaction', async () => {
      const a = `multi-a-${randomUUID()}`;
      const b = `multi-b-${randomUUID()}`;
      await store.append([stream(b, 'no_stream', [newEvent()])]);
      const result = await store.append([stream(a, 'no_stream', [newEvent(), newEvent()]), stream(b, 1, [newEvent()])]);
      expect(result.map((r) => [r.streamId, r.nextVersion])).toEqual([[a, 2], [b, 2]]);
      expect(new Set(result.flatMap((r) => r.events.map((e) => e.transactionId))).size).toBe(1);
    });

    it("is all-or-nothing: a wrong expected version on the second stream stores nothing of the first", async () => {
      const a = `aon-a-${randomUUID()}`;
      const b = `aon-b-${randomUUID()}`;
      const c = `aon-c-${randomUUID()}`;
      await store.append([stream(b, 'no_stream', [newEvent(), newEvent()])]);
      await store.append([stream(c, 'no_stream', [newEvent()])]);
      const before = await countEvents();

      const firstEvents = [newEvent(), newEvent()];
      const cEvents = [newEvent()];
      const error = await rejectionOf(
        store.append([stream(a, 'no_stream', firstEvents), stream(c, 1, cEvents), stream(b, 5, [newEvent()])]),
      );
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId: b, expectedVersion: 5, actualVersion: 2 });

      expect(await storedIds([...firstEvents, ...cEvents].map((e) => e.eventId))).toEqual([]);
      expect(await store.streamVersion(a)).toBe(0);
      expect(await store.streamVersion(b)).toBe(2);
      expect(await store.streamVersion(c)).toBe(1);
      expect(await store.readStream(a)).toEqual([]);
      expect(await countEvents()).toBe(before);

      // The same append with the right version goes through afterwards (the refused one left no trace).
      const ok = await store.append([stream(a, 'no_stream', firstEvents), stream(c, 1, cEvents), stream(b, 2, [newEvent()])]);
      expect(ok.map((r) => r.nextVersion)).toEqual([2, 2, 3]);
      expect(await countEvents()).toBe(before + 4);
    });

    it('does not deadlock when concurrent appends name the same streams in opposite orders', async () => {
      const a = `lock-a-${randomUUID()}`;
      const b = `lock-b-${randomUUID()}`;
      await store.append([stream(a, 'no_stream', [newEvent()]), stream(b, 'no_stream', [newEvent()])]);
      const started = Date.now();
      for (let round = 1; round <= 15; round++) {
        const settled = await Promise.allSettled([
          store.append([stream(a, round, [newEvent()]), stream(b, round, [newEvent()])]),
          store.append([stream(b, round, [newEvent()]), stream(a, round, [newEvent()])]),
        ]);
        const won = settled.filter((s) => s.status === 'fulfilled') as PromiseFulfilledResult<unknown>[];
        const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
        expect(won).toHaveLength(1);
        // A deadlock would surface as SQLSTATE 40P01 after deadlock_timeout, not as a conflict.
        for (const error of lost) expect(error).toBeInstanceOf(ConcurrencyError);
        const [first] = won[0]!.value as { streamId: string }[];
        expect([a, b]).toContain(first!.streamId);
      }
      expect(await store.streamVersion(a)).toBe(16);
      expect(await store.streamVersion(b)).toBe(16);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('is all-or-nothing when a later stream reuses a stored event id', async () => {
      const stored = newEvent();
      await store.append([stream(`dup-src-${randomUUID()}`, 'no_stream', [stored])]);
      const a = `dup-a-${randomUUID()}`;
      const b = `dup-b-${randomUUID()}`;
      const fresh = newEvent();
      const error = await rejectionOf(store.append([stream(a, 'no_stream', [fresh]), stream(b, 'no_stream', [stored])]));
      expect(error).toBeInstanceOf(DuplicateEventIdError);
      expect(await storedIds([fresh.eventId])).toEqual([]);
      expect(await store.streamVersion(a)).toBe(0);
      expect(await store.streamVersion(b)).toBe(0);
    });

    it('rolls back the effects that ran together with the events when a later effect fails', async () => {
      const a = `tx-${randomUUID()}`;
      const event = newEvent();
      await pool.query('CREATE TABLE IF NOT EXISTS tx_side_effects (id text PRIMARY KEY)');
      const error = await rejectionOf(
        store.append([stream(a, 'no_stream', [event])], {
          before: [{ sql: "INSERT INTO tx_side_effects (id) VALUES ($1->>'id')", arg: { id: `${a}-before` } }],
          after: [
            { sql: "INSERT INTO tx_side_effects (id) VALUES ($1->>'id')", arg: { id: `${a}-after` } },
            { sql: "SELECT 1 / ($1->>'zero')::int", arg: { zero: 0 } },
          ],
        }),
      );
      expect(error).toMatchObject({ code: '22012' });
      expect(await storedIds([event.eventId])).toEqual([]);
      expect(await store.streamVersion(a)).toBe(0);
      expect((await pool.query('SELECT 1 FROM tx_side_effects WHERE id LIKE $1', [`${a}-%`])).rowCount).toBe(0);
    });
  });

  describe('idempotent appends', () => {
    it('does not duplicate a retried append and reports the originally stored events', async () => {
      const streamId = `retry-${randomUUID()}`;
      const events = [newEvent('A'), newEvent('B')];
      const [first] = await store.append([stream(streamId, 'no_stream', events)]);
      expect(first!.alreadyStored).toBe(false);

      // Event ids in upper case are the same uuids.
      const upper = events.map((e) => ({ ...e, eventId: e.eventId.toUpperCase() }));
      for (const retry of [events, upper]) {
        const [again] = await store.append([stream(streamId, 'no_stream', retry)]);
        expect(again!.alreadyStored).toBe(true);
        expect(again!.nextVersion).toBe(2);
        expect(again!.events.map((e) => [e.eventId, e.position, e.version, e.transactionId])).toEqual(
          first!.events.map((e) => [e.eventId, e.position, e.version, e.transactionId]),
        );
      }
      expect(await countEvents('stream_id = $1', [streamId])).toBe(2);
      expect(await store.streamVersion(streamId)).toBe(2);
    });

    it('recognises a retried multi-stream append', async () => {
      const a = `retry-multi-a-${randomUUID()}`;
      const b = `retry-multi-b-${randomUUID()}`;
      const append = [stream(a, 'no_stream', [newEvent()]), stream(b, 'no_stream', [newEvent(), newEvent()])];
      const first = await store.append(append);
      const again = await store.append(append);
      expect(again.map((r) => r.alreadyStored)).toEqual([true, true]);
      expect(again.map((r) => r.events.map((e) => e.position))).toEqual(first.map((r) => r.events.map((e) => e.position)));
      expect(await countEvents('stream_id = ANY($1)', [[a, b]])).toBe(3);
    });

    it('refuses an event id reused in a different append and stores nothing of it', async () => {
      const source = `reuse-src-${randomUUID()}`;
      const e1 = newEvent();
      const e2 = newEvent();
      await store.append([stream(source, 'no_stream', [e1, e2])]);
      const before = await countEvents();

      // (a) in another stream, whose version check passes
      const other = `reuse-other-${randomUUID()}`;
      const fresh = newEvent();
      const inOther = await rejectionOf(store.append([stream(other, 'no_stream', [fresh, e1])]));
      expect(inOther).toBeInstanceOf(DuplicateEventIdError);
      expect(await store.streamVersion(other)).toBe(0);

      // (b) in the same stream at the right version
      const sameStream = await rejectionOf(store.append([stream(source, 2, [e2])]));
      expect(sameStream).toBeInstanceOf(DuplicateEventIdError);

      // (c) a partial overlap with a stale expected version: not "already stored", not a plain conflict
      const partial = await rejectionOf(store.append([stream(source, 'no_stream', [e1, fresh])]));
      expect(partial).toBeInstanceOf(DuplicateEventIdError);
      expect((partial as DuplicateEventIdError).eventIds).toEqual([e1.eventId]);

      // (d) the same ids in another order
      const reordered = await rejectionOf(store.append([stream(source, 'no_stream', [e2, e1])]));
      expect(reordered).toBeInstanceOf(DuplicateEventIdError);

      // (e) the same id twice in one append
      const twice = newEvent();
      const doubled = await rejectionOf(store.append([stream(`twice-${randomUUID()}`, 'no_stream', [twice, twice])]));
      expect(doubled).toBeInstanceOf(DuplicateEventIdError);

      // (f) in a multi-stream append whose other stream is fine
      const alongside = await rejectionOf(store.append([stream(`alongside-${randomUUID()}`, 'no_stream', [newEvent()]), stream(other, 'no_stream', [e2])]));
      expect(alongside).toBeInstanceOf(DuplicateEventIdError);

      expect(await storedIds([fresh.eventId, twice.eventId])).toEqual([]);
      expect(await countEvents()).toBe(before);
      expect(await store.streamVersion(source)).toBe(2);
    });
  });

  describe('append-only log', () => {
    let client: pg.Client;

    beforeAll(async () => {
      client = new pg.Client({ connectionString: db.url });
      client.on('error', () => undefined);
      await client.connect();
      await store.append([stream(`immutable-${randomUUID()}`, 'no_stream', [newEvent(), newEvent()])]);
    });

    afterAll(async () => {
      await client?.end();
    });

    const attempts = [
      ['UPDATE', `UPDATE events SET event_type = 'Tampered'`],
      ['UPDATE of one row', `UPDATE events SET data = '{}'::jsonb WHERE global_position = (SELECT min(global_position) FROM events)`],
      ['DELETE', 'DELETE FROM events'],
      ['DELETE of no row', 'DELETE FROM events WHERE false'],
      ['TRUNCATE', 'TRUNCATE events'],
      ['TRUNCATE CASCADE', 'TRUNCATE events CASCADE'],
    ] as const;

    for (const replica of [false, true]) {
      for (const [what, statement] of attempts) {
        it(`refuses ${what}${replica ? ' under session_replication_role = replica' : ''}`, async () => {
          const { rows: before } = await client.query<{ n: number; digest: string }>(
            `SELECT count(*)::int AS n, md5(string_agg(event_id::text || event_type || data::text, ',' ORDER BY global_position)) AS digest FROM events`,
          );
          await client.query(`SET session_replication_role = ${replica ? 'replica' : 'origin'}`);
          try {
            const error = await rejectionOf(client.query(statement));
            expect(error).toMatchObject({ code: '42501' });
            expect((error as Error).message).toMatch(/append-only/);
          } finally {
            await client.query('SET session_replication_role = origin');
          }
          const { rows: after } = await client.query<{ n: number; digest: string }>(
            `SELECT count(*)::int AS n, md5(string_agg(event_id::text || event_type || data::text, ',' ORDER BY global_position)) AS digest FROM events`,
          );
          expect(after).toEqual(before);
          expect(before[0]!.n).toBeGreaterThan(0);
        });
      }
    }
  });

  describe('upcasting', () => {
    it('applies the v1→v2→v3 chain on readStream, readAll and the append result', async () => {
      const upcasters = new UpcasterRegistry()
        .register('AmountRecorded', 1, (data) => {
          const { amount } = data as { amount: number };
          return { amountCents: amount * 100 };
        })
        .register('AmountRecorded', 2, (data) => ({ ...(data as object), currency: 'USD' }));
      const upcasting = new EventStore(pool, { upcasters });
      const streamId = `upcast-${randomUUID()}`;

      // An old v1 event written long ago (straight into the log, as an old release would have).
      const v1Id = randomUUID();
      await pool.query(`INSERT INTO streams (stream_id, stream_type, version) VALUES ($1, 'test', 1)`, [streamId]);
      await pool.query(
        `INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, event_version, data)
         VALUES ($1, $2, 'test', 1, 'AmountRecorded', 1, '{"amount": 12}'::jsonb)`,
        [v1Id, streamId],
      );
      // A v2 event and a current v3 event appended through the store.
      const [appended] = await upcasting.append([
        stream(streamId, 1, [
          newEvent('AmountRecorded', { amountCents: 500 }, 2),
          newEvent('AmountRecorded', { amountCents: 7, currency: 'EUR' }, 3),
          newEvent('Unrelated', { x: 1 }),
        ]),
      ]);
      expect(appended!.events.map((e) => [e.schemaVersion, e.data])).toEqual([
        [3, { amountCents: 500, currency: 'USD' }],
        [3, { amountCents: 7, currency: 'EUR' }],
        [1, { x: 1 }],
      ]);

      const expected = [
        [3, { amountCents: 1200, currency: 'USD' }],
        [3, { amountCents: 500, currency: 'USD' }],
        [3, { amountCents: 7, currency: 'EUR' }],
        [1, { x: 1 }],
      ];
      const read = await upcasting.readStream(streamId);
      expect(read.map((e) => [e.schemaVersion, e.data])).toEqual(expected);

      const all = await until(async () => {
        const events = await readEverything(upcasting);
        const mine = events.filter((e) => e.streamId === streamId);
        return mine.length === 4 ? mine : undefined;
      });
      expect(all.map((e) => [e.schemaVersion, e.data])).toEqual(expected);

      // The log itself is untouched: a store without upcasters, and readAll asStored (what the
      // sealer hashes), see the stored shape.
      const stored = [
        [1, { amount: 12 }],
        [2, { amountCents: 500 }],
        [3, { amountCents: 7, currency: 'EUR' }],
        [1, { x: 1 }],
      ];
      const raw = await store.readStream(streamId);
      expect(raw.map((e) => [e.schemaVersion, e.data])).toEqual(stored);
      const rawAll = (await readEverything(upcasting, 1000, { asStored: true })).filter((e) => e.streamId === streamId);
      expect(rawAll.map((e) => [e.schemaVersion, e.data])).toEqual(stored);
    });

    it('refuses a second upcaster for the same type and version', () => {
      const registry = new UpcasterRegistry().register('T', 1, (d) => d);
      expect(() => registry.register('T', 1, (d) => d)).toThrow(/already registered/);
    });
  });

  async function readEverything(from: EventStore, limit = 1000, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    let cursor: LogCursor = LOG_START;
    for (;;) {
      const page = await from.readAll(cursor, limit, pool, options);
      if (page.events.length === 0) {
        expect(page.cursor).toEqual(cursor);
        return out;
      }
      out.push(...page.events);
      cursor = page.cursor;
    }
  }

  describe('readAll', () => {
    it('resumes exactly where it stopped when paging with a small limit', async () => {
      const streams = Array.from({ length: 5 }, () => `page-${randomUUID()}`);
      const ids: string[] = [];
      for (const [i, streamId] of streams.entries()) {
        const events = Array.from({ length: i + 1 }, () => newEvent());
        ids.push(...events.map((e) => e.eventId));
        await store.append([stream(streamId, 'no_stream', events)]);
      }
      // Wait until everything written so far is below the visibility horizon (other databases'
      // transactions on this server can hold it back for a moment).
      const full = await until(async () => {
        const events = await readEverything(store);
        return ids.every((id) => events.some((e) => e.eventId === id)) ? events : undefined;
      });

      for (const limit of [1, 2, 3, 7]) {
        const paged: RecordedEvent[] = [];
        let cursor: LogCursor = LOG_START;
        for (;;) {
          const page = await store.readAll(cursor, limit);
          expect(page.events.length).toBeLessThanOrEqual(limit);
          if (page.events.length === 0) break;
          paged.push(...page.events);
          expect(page.cursor).toEqual({ transactionId: page.events.at(-1)!.transactionId, position: page.events.at(-1)!.position });
          cursor = page.cursor;
        }
        expect(paged.map((e) => e.eventId)).toEqual(full.map((e) => e.eventId));
      }
      expect(new Set(full.map((e) => e.eventId)).size).toBe(full.length);

      // Ordered by (transaction id, position): events of one append are contiguous and in version order.
      for (let i = 1; i < full.length; i++) {
        const [prev, cur] = [full[i - 1]!, full[i]!];
        const order = BigInt(prev.transactionId) < BigInt(cur.transactionId) ||
          (prev.transactionId === cur.transactionId && prev.position < cur.position);
        expect(order).toBe(true);
      }

      // Resuming from the end yields exactly the newer events, and nothing twice.
      const end: LogCursor = { transactionId: full.at(-1)!.transactionId, position: full.at(-1)!.position };
      const later = [newEvent(), newEvent()];
      await store.append([stream(`page-later-${randomUUID()}`, 'no_stream', later)]);
      const resumed = await until(async () => {
        const page = await store.readAll(end, 10);
        return page.events.length === 2 ? page : undefined;
      });
      expect(resumed.events.map((e) => e.eventId)).toEqual(later.map((e) => e.eventId));
      const after = await store.readAll(resumed.cursor, 10);
      expect(after.events).toEqual([]);
      expect(after.cursor).toEqual(resumed.cursor);
    });

    it('does not return an event while its transaction is still open, and returns it after commit', async () => {
      const start = await until(async () => {
        const everything = await readEverything(store);
        const last = everything.at(-1);
        return last ? { transactionId: last.transactionId, position: last.position } : undefined;
      });
      // The test holds an advisory lock that the first append's last effect waits for: that append
      // has taken its position and stays open until the lock is released.
      const lockKey = 4_000_000 + Math.floor(Math.random() * 1_000_000);
      const holder = await pool.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [lockKey]);
        const alone = new EventStore(pool, { batching: false });
        const openEvent = newEvent();
        const opening = alone.append([stream(`open-${randomUUID()}`, 'no_stream', [openEvent])], {
          after: [{ sql: "SELECT pg_advisory_xact_lock(($1->>'key')::bigint)", arg: { key: lockKey } }],
        });
        // Waiting for the lock means its events are inserted (the effect runs after them).
        await until(async () => {
          const { rowCount } = await pool.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted", [lockKey]);
          return rowCount === 1 ? true : undefined;
        });
        // A transaction that starts later and commits first: a naive "position > last" reader would
        // move past the open one's position.
        const [later] = await alone.append([stream(`later-${randomUUID()}`, 'no_stream', [newEvent()])]);
        const whileOpen = await store.readAll(start, 100);
        expect(whileOpen.events.map((e) => e.eventId)).not.toContain(openEvent.eventId);
        expect(whileOpen.events.map((e) => e.eventId)).not.toContain(later!.events[0]!.eventId);
        await holder.query('SELECT pg_advisory_unlock($1)', [lockKey]);
        const [open] = await opening;
        expect(later!.events[0]!.position).toBeGreaterThan(open!.events[0]!.position);

        const page = await until(async () => {
          const result = await store.readAll(whileOpen.cursor, 100);
          return result.events.length >= 2 ? result : undefined;
        });
        expect(page.events.map((e) => e.eventId)).toEqual([openEvent.eventId, later!.events[0]!.eventId]);
      } finally {
        await holder.query('SELECT pg_advisory_unlock_all()');
        holder.release();
      }
    });

    it('with types, returns only events of those types, with their payloads, and moves past the others', async () => {
      const start = await until(async () => {
        const last = (await readEverything(store)).at(-1);
        return last ? { transactionId: last.transactionId, position: last.position } : undefined;
      });
      const events = [newEvent('Wanted', { n: 1 }), newEvent('Other', { n: 2 }), newEvent('Wanted', { n: 3 }), newEvent('Other', { n: 4 })];
      await store.append([stream(`typed-${randomUUID()}`, 'no_stream', events)]);
      const page = await until(async () => {
        const result = await store.readAll(start, 100, pool, { types: ['Wanted', 'Absent'] });
        return result.scanned >= 4 ? result : undefined;
      });
      const all = await store.readAll(start, 100);

      expect(page.scanned).toBe(all.events.length);
      expect(page.events.map((e) => [e.eventId, e.type, e.data, e.metadata])).toEqual([
        [events[0]!.eventId, 'Wanted', { n: 1 }, { correlationId: 'test' }],
        [events[2]!.eventId, 'Wanted', { n: 3 }, { correlationId: 'test' }],
      ]);
      // The cursor is past the last event read, of whatever type: nothing comes back twice.
      expect(page.cursor).toEqual(all.cursor);
      expect(page.cursor.position).toBe(all.events.at(-1)!.position);
      const next = await store.readAll(page.cursor, 100, pool, { types: ['Wanted'] });
      expect(next).toEqual({ events: [], cursor: page.cursor, scanned: 0 });
    });
  });

  describe('handleCommand', () => {
    it('retries on conflicts: 20 concurrent increments all succeed and the stream ends at version 20', async () => {
      const streamId = `counter-${randomUUID()}`;
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () =>
          handleCommand(store, counter, { by: 1 }, { streamId, streamType: 'counter', metadata: {}, newEventId: randomUUID }),
        ),
      );
      expect(outcomes.map((o) => o.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      for (const outcome of outcomes) expect(outcome.state.count).toBe(outcome.version);
      expect(await store.streamVersion(streamId)).toBe(20);
      const events = await store.readStream(streamId);
      expect(events.map((e) => e.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('runs its SQL effects in the append statement and retries them with the append', async () => {
      const streamId = `counter-hooked-${randomUUID()}`;
      await pool.query('CREATE TABLE IF NOT EXISTS counter_view (stream_id text PRIMARY KEY, count int NOT NULL)');
      await Promise.all(
        Array.from({ length: 10 }, () =>
          handleCommand(store, counter, { by: 2 }, {
            streamId,
            streamType: 'counter',
            metadata: {},
            newEventId: randomUUID,
            effects: (outcome) => ({
              after: [
                {
                  sql: `INSERT INTO counter_view (stream_id, count) VALUES ($1->>'streamId', ($1->>'count')::int)
                        ON CONFLICT (stream_id) DO UPDATE SET count = EXCLUDED.count`,
                  arg: { streamId, count: outcome.state.count },
                },
              ],
            }),
            maxAttempts: 20,
          }),
        ),
      );
      const { rows } = await pool.query<{ count: number }>('SELECT count FROM counter_view WHERE stream_id = $1', [streamId]);
      expect(rows[0]!.count).toBe(20);
      expect(await store.streamVersion(streamId)).toBe(10);
    });
  });

  describe('append with effects', () => {
    it('rolls the events back when an effect fails, and commits both when it succeeds', async () => {
      await pool.query('CREATE TABLE IF NOT EXISTS effect_log (id text PRIMARY KEY)');
      const streamId = `effects-${randomUUID()}`;
      const append = { streamId, streamType: 'effects', expectedVersion: 'no_stream' as const, events: [{ eventId: randomUUID(), type: 'Happened', data: { n: 1 } }] };
      const failing = { sql: 'INSERT INTO effect_log (id) VALUES (($1->>\'id\')::int::text)', arg: { id: 'not-a-number' } };
      await expect(store.append([append], { after: [failing] })).rejects.toThrow(/invalid input syntax/);
      expect(await store.streamVersion(streamId)).toBe(0);
      expect(await store.readStream(streamId)).toEqual([]);

      const [appended] = await store.append([append], { after: [{ sql: 'INSERT INTO effect_log (id) VALUES ($1->>\'id\')', arg: { id: streamId } }] });
      expect(appended!.events.map((e) => e.version)).toEqual([1]);
      const { rows } = await pool.query('SELECT id FROM effect_log WHERE id = $1', [streamId]);
      expect(rows).toHaveLength(1);
    });

    it('reports a version conflict as ConcurrencyError and a retried append as already stored', async () => {
      const streamId = `effects-conflict-${randomUUID()}`;
      const first = { streamId, streamType: 'effects', expectedVersion: 'no_stream' as const, events: [{ eventId: randomUUID(), type: 'Happened', data: {} }] };
      await store.append([first], {});
      const [again] = await store.append([first], {});
      expect(again!.alreadyStored).toBe(true);
      const other = { ...first, events: [{ eventId: randomUUID(), type: 'Happened', data: {} }] };
      await expect(store.append([other], {})).rejects.toBeInstanceOf(ConcurrencyError);
    });

    it('runs the effects alone when there is nothing to append', async () => {
      await pool.query('CREATE TABLE IF NOT EXISTS effect_log (id text PRIMARY KEY)');
      const id = `alone-${randomUUID()}`;
      expect(await store.append([], { before: [{ sql: 'INSERT INTO effect_log (id) VALUES ($1->>\'id\')', arg: { id } }] })).toEqual([]);
      const { rows } = await pool.query('SELECT 1 FROM effect_log WHERE id = $1', [id]);
      expect(rows).toHaveLength(1);
    });
  });
});
