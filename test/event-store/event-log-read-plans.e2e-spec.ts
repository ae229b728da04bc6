import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PLANNED_ONCE_SESSION_OPTIONS, EventLogSubscription, EventStore, LOG_READS, type RecordedEvent } from '@app/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@app/testing';
import { genericPlan } from '../support/generic-plan';

/**
 * A log consumer's reads are planned once per session (EventLogSubscription): their generic plan
 * must then be the plan a read at the log's end wants — the cursor's index under the page's limit,
 * never a scan of the whole log — and the consumer's own connection must be the one that reads.
 * The plan is made at the session's first read, which may be on a new, empty log that was never
 * analysed, and is kept as the log grows: it must be the same plan then as on a large analysed log
 * (without `enable_seqscan=off`, the empty log's plan of a read of some types joins a sequential
 * scan of the whole log).
 */
describe('Event-log reads with generic plans (real Postgres)', () => {
  const EVENTS = 3_000;
  let db: TestDatabase;
  /** A new database's log: empty, never analysed. */
  let fresh: TestDatabase;
  let pool: pg.Pool;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    fresh = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    store = new EventStore(pool);
    // Enough history that scanning it would be the costlier plan; statistics as a live log has them.
    await pool.query(
      `INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, event_version, data, metadata)
       SELECT gen_random_uuid(), 'history-' || g, 'test', 1, CASE WHEN g % 2 = 0 THEN 'Ticked' ELSE 'Tocked' END, 1, '{}', '{}'
         FROM generate_series(1, $1::int) AS g`,
      [EVENTS],
    );
    await pool.query('ANALYZE events');
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await fresh?.drop();
  });

  /** The cursor of the last event but `back`. */
  async function nearTheEnd(back: number): Promise<string> {
    const { rows } = await pool.query<{ t: string; p: string }>(
      `SELECT transaction_id::text AS t, global_position::text AS p FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1 OFFSET $1`,
      [back],
    );
    return `'${rows[0]!.t}', ${rows[0]!.p}`;
  }

  /** The cursor of the last event but `back`, or the log's start when it is empty. */
  async function cursorIn(on: TestDatabase): Promise<string> {
    return on === db ? nearTheEnd(5) : "'0', 0";
  }

  it.each([
    ['a large analysed log', () => db],
    ['a new empty log', () => fresh],
  ])('a read of every type, on %s: the cursor index under the limit, the parameters unknown when planned', async (_, on) => {
    const plan = await genericPlan(on().url, LOG_READS.all.text, `${await cursorIn(on())}, 500`, 'xid8, bigint, int');
    expect(plan).toContain('Limit');
    expect(plan).toContain('Index Scan using events_transaction_position_idx on events');
    expect(plan).toContain('ROW($1, $2)');
    expect(plan).not.toContain('Seq Scan');
    expect(plan).not.toContain('Sort');
  });

  it.each([
    ['a large analysed log', () => db],
    ['a new empty log', () => fresh],
  ])('a read of some types, on %s: the same page, then each wanted event by its position', async (_, on) => {
    const plan = await genericPlan(on().url, LOG_READS.ofTypes.text, `${await cursorIn(on())}, 500, ARRAY['Ticked']`, 'xid8, bigint, int, text[]');
    expect(plan).toContain('Index Scan using events_transaction_position_idx on events');
    expect(plan).toContain('Index Scan using events_pkey on events e');
    expect(plan).toContain('ROW($1, $2)');
    expect(plan).not.toContain('Seq Scan');
  });

  it("a consumer reads and stores its checkpoint over its own connection, which plans each statement once", async () => {
    const name = `planned-once-${randomUUID()}`;
    const created: pg.ClientConfig[] = [];
    const Client = pg.Client;
    const spy = jest.spyOn(pg, 'Client').mockImplementation((config?: string | pg.ClientConfig) => {
      if (typeof config === 'object') created.push(config);
      return new Client(config);
    });
    const batches: RecordedEvent[][] = [];
    const subscription = new EventLogSubscription(store, {
      name,
      connectionString: db.url,
      types: ['Chimed'],
      checkpointEveryMs: 0,
      handle: (events) => {
        batches.push([...events]);
        return Promise.resolve();
      },
    });
    try {
      subscription.start();
      const eventId = randomUUID();
      await store.append([
        { streamId: `s-${randomUUID()}`, streamType: 'test', expectedVersion: 'no_stream', events: [{ eventId, type: 'Chimed', data: {}, metadata: {} }] },
      ]);
      await eventually(() => Promise.resolve(batches.flat().some((event) => event.eventId === eventId) ? true : undefined), { timeoutMs: 15_000, intervalMs: 10 });

      const own = created.filter((config) => config.application_name === `cdt-fund-${name}`);
      expect(own).toHaveLength(1);
      expect(own[0]!.options).toBe(PLANNED_ONCE_SESSION_OPTIONS);
      expect(PLANNED_ONCE_SESSION_OPTIONS).toContain('plan_cache_mode=force_generic_plan');
      // Its one session is the one that reads the log (its latest statement, between two waits).
      const seen = await eventually(async () => {
        const { rows } = await pool.query<{ query: string }>(`SELECT query FROM pg_stat_activity WHERE application_name = $1`, [`cdt-fund-${name}`]);
        // (pg_stat_activity keeps the first kilobyte of a statement.)
        return rows.some((row) => LOG_READS.ofTypes.text.startsWith(row.query.slice(0, 200))) ? rows : undefined;
      }, { timeoutMs: 5_000, intervalMs: 5 });
      expect(seen).toHaveLength(1);
      const { rows } = await pool.query<{ consumer: string }>(`SELECT consumer FROM consumer_checkpoints WHERE consumer = $1`, [name]);
      expect(rows).toHaveLength(1);
    } finally {
      spy.mockRestore();
      await subscription.stop();
    }
  });
});
