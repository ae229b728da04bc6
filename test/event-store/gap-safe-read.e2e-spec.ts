import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { EventStore, LOG_START, sqlState, type LogCursor, type NewEvent, type RecordedEvent, type SqlEffect } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '@app/testing';

/**
 * The skipped-event torture test. Many writers commit out of position order (each append does
 * random work, through its effects, after taking its positions) and 10% of them roll back, while a reader follows
 * `readAll` with its cursor. The reader must see every committed event exactly once, never a
 * rolled-back one, in an order that a later full read reproduces. A naive "position greater than
 * the last one I saw" reader runs beside it and must be caught skipping events: that proves the
 * test is able to detect the bug it guards against.
 */
const WRITERS = 16;
const WRITE_DURATION_MS = 10_000;
const ROLLBACK_RATE = 0.1;
const READER_POLL_MS = 2;
const READ_BATCH = 1_000;
const CATCH_UP_TIMEOUT_MS = 6_000;

/** An effect that fails (division by zero, SQLSTATE 22012): the append's transaction rolls back. */
const ROLL_BACK: SqlEffect = { sql: "SELECT 1 / ($1->>'zero')::int", arg: { zero: 0 } };
const DIVISION_BY_ZERO = '22012';

interface SeenEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
}

function randomInt(maxExclusive: number): number {
  return Math.floor(Math.random() * maxExclusive);
}

/** A little random work inside the append's transaction: a short sleep, a small computation, or nothing. */
function randomWork(): SqlEffect[] {
  switch (randomInt(3)) {
    case 0:
      return [{ sql: "SELECT pg_sleep(($1->>'s')::float8)", arg: { s: Math.random() * 0.003 } }];
    case 1:
      return [{ sql: "SELECT count(*) FROM generate_series(1, ($1->>'n')::int)", arg: { n: 1 + randomInt(5_000) } }];
    default:
      return [];
  }
}

describe('readAll under concurrent, out-of-order commits (torture test)', () => {
  let db: TestDatabase;
  let writerPool: pg.Pool;
  let readerPool: pg.Pool;
  let naiveClient: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    // One connection per writer, and the readers on connections of their own.
    writerPool = new pg.Pool({ connectionString: db.url, max: WRITERS });
    readerPool = new pg.Pool({ connectionString: db.url, max: 2 });
    naiveClient = new pg.Client({ connectionString: db.url });
    // pool.end() resolves before the backends are gone; the FORCE drop in afterAll may then
    // terminate them, which idle clients report as 'error'.
    writerPool.on('error', () => undefined);
    readerPool.on('error', () => undefined);
    naiveClient.on('error', () => undefined);
    await naiveClient.connect();
  });

  afterAll(async () => {
    await naiveClient?.end();
    await writerPool?.end();
    await readerPool?.end();
    await db?.drop();
  });

  it(
    `sees every committed event exactly once, in a stable order, with ${WRITERS} writers for ${WRITE_DURATION_MS} ms`,
    async () => {
      // Every append in its own transaction, as many writers of many processes would commit.
      const writerStore = new EventStore(writerPool, { batching: false });
      const readerStore = new EventStore(readerPool);

      const committed = new Set<string>();
      const rolledBack = new Set<string>();
      let writing = true;
      let stopReaders = false;

      const writer = async (w: number): Promise<void> => {
        const streamId = `torture-${w}-${randomUUID()}`;
        let version = 0;
        while (writing) {
          const events: NewEvent[] = Array.from({ length: Math.random() < 0.2 ? 2 + randomInt(2) : 1 }, (_, i) => ({
            eventId: randomUUID(),
            type: 'TortureEvent',
            data: { writer: w, version: version + i + 1 },
          }));
          const rollback = Math.random() < ROLLBACK_RATE;
          try {
            await writerStore.append([{ streamId, streamType: 'torture', expectedVersion: version === 0 ? 'no_stream' : version, events }], {
              before: randomWork(),
              after: [...randomWork(), ...(rollback ? [ROLL_BACK] : [])],
            });
            version += events.length;
            for (const event of events) committed.add(event.eventId);
          } catch (error) {
            if (sqlState(error) !== DIVISION_BY_ZERO) throw error;
            for (const event of events) rolledBack.add(event.eventId);
          }
        }
      };

      // The reader under test: follows readAll with its cursor, polling every few milliseconds.
      const seen: SeenEvent[] = [];
      let polls = 0;
      const gapSafeReader = async (): Promise<void> => {
        let cursor: LogCursor = LOG_START;
        while (!stopReaders) {
          const page = await readerStore.readAll(cursor, READ_BATCH);
          polls++;
          for (const e of page.events) seen.push({ eventId: e.eventId, streamId: e.streamId, version: e.version });
          cursor = page.cursor;
          if (page.events.length < READ_BATCH) await sleep(READER_POLL_MS);
        }
      };

      // The naive reader: "global_position greater than the last one I saw".
      const naiveSeen = new Set<string>();
      const naiveReader = async (): Promise<void> => {
        let last = 0;
        while (!stopReaders) {
          const { rows } = await naiveClient.query<{ event_id: string; global_position: string }>(
            `SELECT event_id::text AS event_id, global_position::text AS global_position FROM events
             WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
            [last, READ_BATCH],
          );
          for (const row of rows) naiveSeen.add(row.event_id);
          last = Number(rows.at(-1)?.global_position ?? last);
          if (rows.length < READ_BATCH) await sleep(READER_POLL_MS);
        }
      };

      const readers = Promise.all([gapSafeReader(), naiveReader()]);
      const startedAt = Date.now();
      const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      let writeMs: number;
      try {
        // Stop early if a writer or a reader fails.
        await Promise.race([sleep(WRITE_DURATION_MS), writers, readers]);
        writing = false;
        await writers;
        writeMs = Date.now() - startedAt;

        // Let the reader catch up (its horizon can lag behind other databases' transactions on
        // this server), then poll a little longer so that a late duplicate would show up too.
        const catchUpDeadline = Date.now() + CATCH_UP_TIMEOUT_MS;
        while (seen.length < committed.size && Date.now() < catchUpDeadline) {
          await Promise.race([sleep(20), readers]);
        }
        await sleep(200);
      } finally {
        writing = false;
        stopReaders = true;
        await Promise.allSettled([writers, readers]);
      }
      await readers;

      const seenIds = seen.map((e) => e.eventId);
      const seenSet = new Set(seenIds);
      const missed = [...committed].filter((id) => !seenSet.has(id));
      const notCommitted = seenIds.filter((id) => !committed.has(id));
      const duplicates = seenIds.length - seenSet.size;
      const naiveMissed = [...committed].filter((id) => !naiveSeen.has(id)).length;
      const naiveMissedPct = (100 * naiveMissed) / committed.size;

      console.log(
        `torture: ${committed.size} events committed, ${rolledBack.size} rolled back in ${writeMs} ms ` +
          `(${Math.round((committed.size * 1000) / writeMs)}/s); readAll polled ${polls} times, saw ${seenIds.length}; ` +
          `naive reader missed ${naiveMissed} (${naiveMissedPct.toFixed(1)}%)`,
      );

      expect(committed.size).toBeGreaterThan(1_000);
      expect(rolledBack.size).toBeGreaterThan(0);

      // Every committed event exactly once, nothing else.
      expect(missed.slice(0, 10)).toEqual([]);
      expect(notCommitted.slice(0, 10)).toEqual([]);
      expect(duplicates).toBe(0);
      expect([...rolledBack].filter((id) => seenSet.has(id))).toEqual([]);
      expect(seenIds.length).toBe(committed.size);

      // The table holds exactly the committed events.
      const { rows: stored } = await readerPool.query<{ event_id: string }>('SELECT event_id::text AS event_id FROM events');
      expect(stored.length).toBe(committed.size);
      expect(stored.filter((row) => !committed.has(row.event_id)).slice(0, 10)).toEqual([]);

      // Each stream's events arrive in version order, without gaps.
      const lastVersion = new Map<string, number>();
      const outOfOrder: SeenEvent[] = [];
      for (const event of seen) {
        if (event.version !== (lastVersion.get(event.streamId) ?? 0) + 1) outOfOrder.push(event);
        lastVersion.set(event.streamId, event.version);
      }
      expect(outOfOrder.slice(0, 10)).toEqual([]);

      // The order is stable: a second full read from the start yields the same sequence.
      const reread: RecordedEvent[] = [];
      let cursor: LogCursor = LOG_START;
      for (;;) {
        const page = await readerStore.readAll(cursor, READ_BATCH);
        if (page.events.length === 0) break;
        reread.push(...page.events);
        cursor = page.cursor;
      }
      expect(reread.length).toBe(seenIds.length);
      expect(reread.map((e) => e.eventId)).toEqual(seenIds);

      // The bug the test is built to catch: a naive reader skips events that commit late.
      expect(naiveMissed).toBeGreaterThan(0);
    },
    WRITE_DURATION_MS + CATCH_UP_TIMEOUT_MS + 20_000,
  );
});
