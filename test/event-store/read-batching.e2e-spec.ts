import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { EventStore, type NewEvent } from '@app/event-store';
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

function newEvent(n: number): NewEvent {
  return { eventId: randomUUID(), type: 'Noted', data: { n }, metadata: { correlationId: 'reads' } };
}

/** The statements the pool was asked to run while `work` ran, by name (or text). */
async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const query = pool.query.bind(pool);
  pool.query = ((config: unknown, ...rest: unknown[]) => {
    seen.push(typeof config === 'string' ? config : ((config as { name?: string; text: string }).name ?? (config as { text: string }).text));
    return (query as (...args: unknown[]) => unknown)(config, ...rest);
  }) as typeof pool.query;
  try {
    await work();
  } finally {
    pool.query = query;
  }
  return seen;
}

describe('stream reads made together (real Postgres)', () => {
  it('go as one statement and give each caller exactly what reading alone gives, from its own version', async () => {
    const batched = new EventStore(pool);
    const alone = new EventStore(pool, { batching: false });
    const streams = Array.from({ length: 12 }, (_, i) => ({ streamId: `read-${randomUUID()}`, events: Array.from({ length: (i % 4) + 1 }, (__, n) => newEvent(n)) }));
    for (const { streamId, events } of streams) await alone.append([{ streamId, streamType: 'test', expectedVersion: 'no_stream', events }]);
    const reads = [...streams.map(({ streamId }, i) => ({ streamId, from: (i % 3) + 1 })), { streamId: `read-${randomUUID()}`, from: 1 }, { streamId: streams[0]!.streamId, from: 1 }];

    let together: unknown[] = [];
    const statements = await statementsDuring(async () => {
      together = await Promise.all(reads.map(({ streamId, from }) => batched.readStream(streamId, from)));
    });
    const expected = await Promise.all(reads.map(({ streamId, from }) => alone.readStream(streamId, from)));

    expect(together).toEqual(expected);
    expect(expected.some((events) => events.length === 0)).toBe(true);
    // Two lanes: the first read goes at once, the rest together while it runs (at most two statements).
    expect(statements.length).toBeLessThanOrEqual(2);
    expect(statements).toContain('event_store_read_streams_from');
  });

  it('a read inside a transaction is not batched: it sees what that transaction wrote', async () => {
    const store = new EventStore(pool);
    const streamId = `read-${randomUUID()}`;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, data) VALUES ($1, $2, 'test', 1, 'Noted', '{"n":1}')`,
        [randomUUID(), streamId],
      );
      expect((await store.readStream(streamId, 1, client)).map((event) => event.version)).toEqual([1]);
      expect(await store.readStream(streamId)).toEqual([]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});
