import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ConcurrencyError, DuplicateEventIdError, EventStore, type AppendEffects, type NewEvent, type StreamAppend } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '@app/testing';

/**
 * Group commit (AppendBatcher): appends with effects that queue while the statements in flight
 * are busy go together in one transaction, each refused or stored exactly as it would be alone.
 * Each test holds the one lane of a store busy with an append whose effect sleeps, so that the
 * appends made meanwhile are known to form one batch.
 */
describe('appendWithEffects batching (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 10 });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** A store with one statement in flight at a time. */
  const oneLane = () => new EventStore(pool, { batching: { maxInFlight: 1, maxBatch: 32 } });

  function newEvent(): NewEvent {
    return { eventId: randomUUID(), type: 'Noted', data: { n: 1 }, metadata: { correlationId: 'batching' } };
  }

  function toNewStream(event = newEvent()): StreamAppend {
    return { streamId: `batch-${randomUUID()}`, streamType: 'test', expectedVersion: 'no_stream', events: [event] };
  }

  /** An effect that takes an advisory lock and/or sleeps, inside the append's transaction. */
  function holding({ lock, sleepMs }: { lock?: number; sleepMs?: number }): AppendEffects {
    return {
      after: [
        {
          sql: `SELECT pg_advisory_xact_lock((($1->>'lock')::bigint)), pg_sleep(($1->>'sleep')::float8)`,
          arg: { lock: lock ?? Math.floor(Math.random() * 1e9) + 1e9, sleep: (sleepMs ?? 0) / 1000 },
        },
      ],
    };
  }

  async function transactionOf(streamId: string): Promise<string | undefined> {
    const { rows } = await pool.query<{ tx: string }>('SELECT transaction_id::text AS tx FROM events WHERE stream_id = $1', [streamId]);
    return rows[0]?.tx;
  }

  async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    try {
      return { ok: true, value: await promise };
    } catch (error) {
      return { ok: false, error };
    }
  }

  it('commits the appends that queued together in one transaction, refusing only the ones that fail', async () => {
    const store = oneLane();
    const existing = toNewStream();
    await store.appendWithEffects([existing], {});
    const stored = newEvent();
    await store.appendWithEffects([toNewStream(stored)], {});

    const blocker = store.appendWithEffects([toNewStream()], holding({ sleepMs: 200 }));
    const fine = Array.from({ length: 12 }, () => toNewStream());
    const stale: StreamAppend = { ...existing, expectedVersion: 0, events: [newEvent()] };
    const brokenEffect = toNewStream();
    const reusedId = toNewStream(stored);
    const results = await Promise.all([
      ...fine.map((append) => settle(store.appendWithEffects([append], {}))),
      settle(store.appendWithEffects([stale], {})),
      settle(store.appendWithEffects([brokenEffect], { after: [{ sql: 'SELECT 1 / ($1->>0)::int', arg: [0] }] })),
      settle(store.appendWithEffects([reusedId], {})),
    ]);
    await blocker;

    // The twelve went in one transaction, after the blocker's.
    expect(results.slice(0, 12).every((r) => r.ok)).toBe(true);
    const transactions = new Set(await Promise.all(fine.map((a) => transactionOf(a.streamId))));
    expect(transactions.size).toBe(1);
    expect([...transactions][0]).toBeDefined();
    // Each refusal reads as it would alone, and nothing of a refused append is stored.
    const [staleResult, brokenResult, reusedResult] = results.slice(12);
    expect(staleResult).toMatchObject({ ok: false, error: expect.any(ConcurrencyError) });
    expect((staleResult as { error: ConcurrencyError }).error.actualVersion).toBe(1);
    expect(brokenResult).toMatchObject({ ok: false, error: { code: '22012' } });
    expect(reusedResult).toMatchObject({ ok: false, error: expect.any(DuplicateEventIdError) });
    expect(await transactionOf(brokenEffect.streamId)).toBeUndefined();
    expect(await transactionOf(reusedId.streamId)).toBeUndefined();
    const { rows } = await pool.query<{ version: number }>('SELECT version::int FROM streams WHERE stream_id = $1', [existing.streamId]);
    expect(rows[0]?.version).toBe(1);
  });

  it('lets exactly one of 30 queued appends at the same expected version win', async () => {
    const store = oneLane();
    const stream = toNewStream();
    await store.appendWithEffects([stream], {});
    const blocker = store.appendWithEffects([toNewStream()], holding({ sleepMs: 100 }));
    const results = await Promise.all(
      Array.from({ length: 30 }, () => settle(store.appendWithEffects([{ ...stream, expectedVersion: 1, events: [newEvent()] }], {}))),
    );
    await blocker;

    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const refused = results.filter((r): r is { ok: false; error: unknown } => !r.ok);
    expect(refused).toHaveLength(29);
    expect(refused.every((r) => r.error instanceof ConcurrencyError && r.error.actualVersion === 2)).toBe(true);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [stream.streamId]);
    expect(rows[0]?.n).toBe(2);
  });

  it('tries each append of a batch alone again when the batch loses a deadlock', async () => {
    // Two stores, each with one busy lane; their queued pairs take two locks in opposite orders.
    const [left, right] = [oneLane(), oneLane()];
    const blockers = [left.appendWithEffects([toNewStream()], holding({ sleepMs: 150 })), right.appendWithEffects([toNewStream()], holding({ sleepMs: 150 }))];
    const [lockA, lockB] = [Math.floor(Math.random() * 1e9), Math.floor(Math.random() * 1e9) + 1e9];
    const streams = { left1: toNewStream(), left2: toNewStream(), right1: toNewStream(), right2: toNewStream() };
    const results = await Promise.all([
      settle(left.appendWithEffects([streams.left1], holding({ lock: lockA, sleepMs: 300 }))),
      settle(left.appendWithEffects([streams.left2], holding({ lock: lockB }))),
      settle(right.appendWithEffects([streams.right1], holding({ lock: lockB, sleepMs: 300 }))),
      settle(right.appendWithEffects([streams.right2], holding({ lock: lockA }))),
    ]);
    await Promise.all(blockers);

    // Postgres chose one append as the deadlock's victim (40P01); tried alone, it went through,
    // while the rest of its batch committed together.
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    const [l1, l2, r1, r2] = await Promise.all(Object.values(streams).map((s) => transactionOf(s.streamId)));
    const together = [l1 === l2, r1 === r2];
    expect(together.filter(Boolean)).toHaveLength(1);
  });
});
