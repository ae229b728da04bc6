import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { EventStore, UpcasterRegistry, type NewEvent, type StreamAppend } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '@app/testing';

let db: TestDatabase;
let pool: pg.Pool;
/** The names of the named statements sent through `pool`, in order. */
const sent: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined);
  // Counts what reaches the database; the queries themselves run unchanged.
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const first = args[0] as { name?: string } | string;
    if (typeof first === 'object' && typeof first.name === 'string') sent.push(first.name);
    return query(...args);
  };
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function newEvent(type: string, data: unknown, schemaVersion?: number): NewEvent {
  return { eventId: randomUUID(), type, data, schemaVersion, metadata: { correlationId: 'read-batching' } };
}

function newStream(events: NewEvent[]): StreamAppend {
  return { streamId: `read-${randomUUID()}`, streamType: 'test', expectedVersion: 'no_stream', events };
}

/** The statements sent while `work` ran. */
async function statementsOf<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const from = sent.length;
  const result = await work();
  return { result, statements: sent.slice(from) };
}

/**
 * Whole-stream reads under load (EventStoreOptions.readBatching): the reads asked for while the
 * statements in flight are busy go together in one statement, and each caller still gets exactly
 * its own stream.
 */
describe('stream read batching (real Postgres)', () => {
  it('reads 40 streams asked for at once in one statement, each caller getting its own stream in order', async () => {
    const store = new EventStore(pool, { readBatching: { maxInFlight: 1, maxBatch: 64 } });
    const streams = Array.from({ length: 40 }, (_, i) =>
      newStream(Array.from({ length: 1 + (i % 4) }, (_, n) => newEvent('Noted', { stream: i, n }))),
    );
    for (const append of streams) await store.append([append]);
    const missing = `read-${randomUUID()}`;

    const { result, statements } = await statementsOf(() =>
      Promise.all([...streams.map((append) => store.readStream(append.streamId)), store.readStream(missing)]),
    );

    expect(statements).toEqual(['event_store_read_streams']);
    streams.forEach((append, i) => {
      const events = result[i]!;
      expect(events.map((e) => [e.streamId, e.version, e.data])).toEqual(
        append.events.map((e, n) => [append.streamId, n + 1, e.data]),
      );
    });
    expect(result[40]).toEqual([]);
  });

  it('gives callers of the same stream in one batch copies of their own', async () => {
    const store = new EventStore(pool, { readBatching: { maxInFlight: 1, maxBatch: 64 } });
    const append = newStream([newEvent('Noted', { n: 1 }), newEvent('Noted', { n: 2 })]);
    await store.append([append]);

    const [first, second] = await Promise.all([store.readStream(append.streamId), store.readStream(append.streamId)]);

    expect(first).toEqual(second);
    expect(first).not.toBe(second);
    first.pop();
    expect(second).toHaveLength(2);
  });

  it('batches at most maxBatch reads per statement', async () => {
    const store = new EventStore(pool, { readBatching: { maxInFlight: 1, maxBatch: 8 } });
    const append = newStream([newEvent('Noted', { n: 1 })]);
    await store.append([append]);

    const { result, statements } = await statementsOf(() => Promise.all(Array.from({ length: 20 }, () => store.readStream(append.streamId))));

    expect(statements).toEqual(['event_store_read_streams', 'event_store_read_streams', 'event_store_read_streams']);
    expect(result.every((events) => events.length === 1)).toBe(true);
  });

  it('sees every append that committed before the read was asked for', async () => {
    const store = new EventStore(pool, { readBatching: { maxInFlight: 1, maxBatch: 64 } });
    const appends = Array.from({ length: 10 }, () => newStream([newEvent('Noted', { n: 1 })]));
    const reads = await Promise.all(
      appends.map(async (append) => {
        await store.append([append]);
        return store.readStream(append.streamId);
      }),
    );
    expect(reads.map((events) => events.map((e) => e.streamId))).toEqual(appends.map((append) => [append.streamId]));
  });

  it("fails only the caller whose stream cannot be upcast; the others in its batch get theirs", async () => {
    const upcasters = new UpcasterRegistry().register('Broken', 1, () => {
      throw new Error('cannot upcast Broken v1');
    });
    const store = new EventStore(pool, { upcasters, readBatching: { maxInFlight: 1, maxBatch: 64 } });
    const good = newStream([newEvent('Noted', { n: 1 })]);
    const bad = newStream([newEvent('Broken', { n: 1 }, 1)]);
    // Written by a store without that upcaster (as an older release would have).
    await new EventStore(pool).append([good, bad]);

    const { result, statements } = await statementsOf(() =>
      Promise.allSettled([store.readStream(good.streamId), store.readStream(bad.streamId), store.readStream(good.streamId)]),
    );

    expect(statements).toEqual(['event_store_read_streams']);
    expect(result.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((result[1] as PromiseRejectedResult).reason).toEqual(new Error('cannot upcast Broken v1'));
  });

  it('reads alone a lone stream, a stream from a later version, and any read on a given connection', async () => {
    const store = new EventStore(pool, { readBatching: { maxInFlight: 1, maxBatch: 64 } });
    const append = newStream([newEvent('Noted', { n: 1 }), newEvent('Noted', { n: 2 })]);
    await store.append([append]);

    const lone = await statementsOf(() => store.readStream(append.streamId));
    expect(lone.statements).toEqual(['event_store_read_stream']);

    const later = await statementsOf(() => Promise.all([store.readStream(append.streamId, 2), store.readStream(append.streamId, 2)]));
    expect(later.statements).toEqual(['event_store_read_stream', 'event_store_read_stream']);
    expect(later.result.map((events) => events.map((e) => e.version))).toEqual([[2], [2]]);

    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO streams (stream_id, stream_type, version) VALUES ($1, 'test', 1)`, [`read-${randomUUID()}`]);
      const inTransaction = await Promise.all([store.readStream(append.streamId, 1, client), store.readStream(append.streamId, 1, client)]);
      expect(inTransaction.map((events) => events.length)).toEqual([2, 2]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('sends every read alone with readBatching false', async () => {
    const store = new EventStore(pool, { readBatching: false });
    const append = newStream([newEvent('Noted', { n: 1 })]);
    await store.append([append]);

    const { statements } = await statementsOf(() => Promise.all([store.readStream(append.streamId), store.readStream(append.streamId)]));

    expect(statements).toEqual(['event_store_read_stream', 'event_store_read_stream']);
  });
});
