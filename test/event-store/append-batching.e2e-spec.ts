import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ConcurrencyError, DuplicateEventIdError, EventStore, type AppendEffects, type AppendedStream, type NewEvent, type StreamAppend } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '@app/testing';

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

function newEvent(data: unknown = { n: 1 }): NewEvent {
  return { eventId: randomUUID(), type: 'Noted', data, metadata: { correlationId: 'batching' } };
}

function toNewStream(...events: NewEvent[]): StreamAppend {
  return { streamId: `batch-${randomUUID()}`, streamType: 'test', expectedVersion: 'no_stream', events: events.length > 0 ? events : [newEvent()] };
}

async function stored(streamId: string): Promise<{ tx: string; version: number; data: unknown }[]> {
  const { rows } = await pool.query<{ tx: string; version: number; data: unknown }>(
    'SELECT transaction_id::text AS tx, stream_version::int AS version, data FROM events WHERE stream_id = $1 ORDER BY stream_version',
    [streamId],
  );
  return rows;
}

async function transactionOf(streamId: string): Promise<string | undefined> {
  return (await stored(streamId))[0]?.tx;
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Group commit (AppendCall): appends that queue while the statements in flight
 * are busy go together in one transaction, each refused or stored exactly as it would be alone.
 * Each test holds the one lane of a store busy with an append whose effect sleeps, so that the
 * appends made meanwhile are known to form one batch.
 */
describe('append batching (real Postgres)', () => {
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

  /** An effect that changes nothing: it makes an append one with effects (each in its own subtransaction, as the app's are). */
  const NOOP: AppendEffects = { after: [{ sql: 'SELECT $1', arg: null }] };

  it('commits the appends with effects that queued together in one transaction, refusing only the ones that fail', async () => {
    const store = oneLane();
    const existing = toNewStream();
    await store.append([existing], {});
    const taken = newEvent();
    await store.append([toNewStream(taken)], {});

    const blocker = store.append([toNewStream()], holding({ sleepMs: 200 }));
    const fine = Array.from({ length: 12 }, () => toNewStream());
    const stale: StreamAppend = { ...existing, expectedVersion: 0, events: [newEvent()] };
    const brokenEffect = toNewStream();
    const reusedId = toNewStream(taken);
    const results = await Promise.all([
      ...fine.map((append) => settle(store.append([append], NOOP))),
      settle(store.append([stale], NOOP)),
      settle(store.append([brokenEffect], { after: [{ sql: 'SELECT 1 / ($1->>0)::int', arg: [0] }] })),
      settle(store.append([reusedId], NOOP)),
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
    await store.append([stream], {});
    const blocker = store.append([toNewStream()], holding({ sleepMs: 100 }));
    const results = await Promise.all(
      Array.from({ length: 30 }, () => settle(store.append([{ ...stream, expectedVersion: 1, events: [newEvent()] }], {}))),
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
    const blockers = [left.append([toNewStream()], holding({ sleepMs: 150 })), right.append([toNewStream()], holding({ sleepMs: 150 }))];
    const [lockA, lockB] = [Math.floor(Math.random() * 1e9), Math.floor(Math.random() * 1e9) + 1e9];
    const streams = { left1: toNewStream(), left2: toNewStream(), right1: toNewStream(), right2: toNewStream() };
    const results = await Promise.all([
      settle(left.append([streams.left1], holding({ lock: lockA, sleepMs: 300 }))),
      settle(left.append([streams.left2], holding({ lock: lockB }))),
      settle(right.append([streams.right1], holding({ lock: lockB, sleepMs: 300 }))),
      settle(right.append([streams.right2], holding({ lock: lockA }))),
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

/**
 * Group commit of plain single-stream appends: the appends made in one turn of the event loop
 * (and while the statements in flight are busy) go together in one statement and one commit,
 * each still answered exactly as alone.
 */
describe('append batching (real Postgres)', () => {
  it('stores the appends of one turn in one transaction, refusing only stale versions, and recognises a retried append', async () => {
    const store = oneLane();
    const existing = toNewStream();
    const [first] = await store.append([existing]);
    const retried = toNewStream();
    await store.append([retried]);

    const fresh = Array.from({ length: 8 }, () => toNewStream(newEvent({ n: 1 }), newEvent({ n: 2 })));
    const moved: StreamAppend = { ...existing, expectedVersion: 1, events: [newEvent({ moved: true })] };
    const other = toNewStream();
    const stale: StreamAppend = { ...other, expectedVersion: 3, events: [newEvent()] };
    const results = await Promise.all([
      ...fresh.map((append) => settle(store.append([append]))),
      settle(store.append([moved])),
      settle(store.append([other])),
      settle(store.append([stale])),
      settle(store.append([retried])),
    ]);

    const ok = results.slice(0, 10);
    expect(ok.every((r) => r.ok)).toBe(true);
    const rows = await Promise.all([...fresh, moved, other].map((a) => stored(a.streamId)));
    // One transaction for the ten that passed their version check (after `existing`'s own).
    expect(new Set(rows.map((r) => r.at(-1)!.tx)).size).toBe(1);
    expect(rows[8]![0]!.tx).not.toBe(rows[8]![1]!.tx);
    expect(rows[0]!.map((row) => [row.version, row.data])).toEqual([[1, { n: 1 }], [2, { n: 2 }]]);
    expect(rows[8]!.map((row) => [row.version, row.data])).toEqual([[1, first!.events[0]!.data], [2, { moved: true }]]);
    // Each answer as alone: positions and versions as stored, a stale version refused with the
    // actual one, a retried append recognised as already stored.
    const [fresh0] = (ok[0] as { ok: true; value: AppendedStream[] }).value;
    expect(fresh0!.events.map((e) => e.version)).toEqual([1, 2]);
    expect(fresh0!.events[1]!.position).toBe(fresh0!.events[0]!.position + 1);
    const staleResult = results[10];
    expect(staleResult).toMatchObject({ ok: false, error: expect.any(ConcurrencyError) });
    expect((staleResult as { error: ConcurrencyError }).error.actualVersion).toBe(1);
    expect(results[11]).toMatchObject({ ok: true, value: [{ alreadyStored: true, streamId: retried.streamId }] });
  });

  it('answers each append alone when one of the batch makes the statement fail, storing the others', async () => {
    const store = oneLane();
    const taken = newEvent();
    await store.append([toNewStream(taken)]);

    const fine = Array.from({ length: 5 }, () => toNewStream());
    const reusedId = toNewStream(taken);
    // Postgres refuses \u0000 in jsonb: a payload the server rejects fails the whole statement.
    const refusedPayload = toNewStream(newEvent({ text: 'nul \u0000 byte' }));
    const results = await Promise.all([...fine, reusedId, refusedPayload].map((append) => settle(store.append([append]))));

    expect(results.slice(0, 5).every((r) => r.ok)).toBe(true);
    for (const append of fine) expect(await stored(append.streamId)).toHaveLength(1);
    expect(results[5]).toMatchObject({ ok: false, error: expect.any(DuplicateEventIdError) });
    expect(results[6]).toMatchObject({ ok: false, error: { code: '22P05' } });
    expect(await stored(reusedId.streamId)).toEqual([]);
    expect(await stored(refusedPayload.streamId)).toEqual([]);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM streams WHERE stream_id = ANY($1)', [
      [reusedId.streamId, refusedPayload.streamId],
    ]);
    expect(rows[0]?.n).toBe(0);
  });

  it('never puts two appends to one stream in the same batch: both apply, in order', async () => {
    const store = oneLane();
    const stream = toNewStream();
    const [created, next] = await Promise.all([store.append([stream]), store.append([{ ...stream, expectedVersion: 1, events: [newEvent({ n: 2 })] }])]);

    expect(created[0]!.nextVersion).toBe(1);
    expect(next[0]!.nextVersion).toBe(2);
    const rows = await stored(stream.streamId);
    expect(rows.map((row) => [row.version, row.data])).toEqual([[1, { n: 1 }], [2, { n: 2 }]]);
    expect(rows[0]!.tx).not.toBe(rows[1]!.tx);
  });

  it('lets exactly one of 30 concurrent appends at the same expected version win', async () => {
    const store = new EventStore(pool, { batching: { maxInFlight: 2, maxBatch: 8 } });
    const stream = toNewStream();
    await store.append([stream]);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => settle(store.append([{ ...stream, expectedVersion: 1, events: [newEvent()] }]))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const refused = results.filter((r): r is { ok: false; error: unknown } => !r.ok);
    expect(refused.every((r) => r.error instanceof ConcurrencyError && r.error.actualVersion === 2)).toBe(true);
    expect(await stored(stream.streamId)).toHaveLength(2);
  });
});
