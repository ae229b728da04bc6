/**
 * `npm run bench:append` — event-store appends per second (single-event appends to distinct new
 * streams, concurrency 10) beside, in the same run, a plain INSERT of the same row shape and the
 * PostgreSQL event store of Emmett. Human-readable progress goes to stderr; the last line on
 * stdout is one JSON object:
 *   {"bench":"append","events_per_s","insert_per_s","emmett_per_s","ratio_insert","ratio_emmett"}
 *
 * Options: --duration <ms> (default 10000) measured per contender, interleaved in --rounds (default 5)
 * slices, after a --warmup <ms> (default 2000) each.
 * The server comes from DATABASE_URL (through the app's configuration); the bench creates its own
 * throwaway databases there and drops them at the end.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { EventStore, type NewEvent } from '@app/event-store';
import { loadConfig } from '../src/config/env.schema';
import { createDatabaseIfMissing, prepareDatabase } from '../src/database/prepare-database';

const CONCURRENCY = 10;
const POOL_SIZE = 10;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
  },
});
const DURATION_MS = Number(args.duration);
const WARMUP_MS = Number(args.warmup);
const ROUNDS = Math.max(1, Math.floor(Number(args.rounds)));

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function databaseUrl(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A realistic event: an aid request filed, with the actor in the metadata (≈ 600 bytes of JSON).
 * Ids are time-ordered UUIDv7, as the app makes them (src/common/ids.ts), for every contender alike.
 */
function payload(): { data: Record<string, unknown>; metadata: Record<string, unknown> } {
  return {
    data: {
      requestId: uuidv7(),
      country: 'CR',
      kind: 'incident_response',
      title: 'Ransomware on customs and tax systems',
      description: 'Customs and tax systems encrypted; operations halted since this morning.',
      actionArea: 'countering_threats',
      amountRequested: '2500000',
      priority: 1,
      incident: { severity: 'critical', ongoing: true, detectedAt: '2026-11-27T08:00:00.000Z', sectors: ['government', 'finance'] },
      milestones: [
        { title: 'Containment', amount: '1000000', dueAt: '2026-12-15' },
        { title: 'Recovery', amount: '1500000', dueAt: '2027-02-01' },
      ],
      contact: { name: 'Ana Mora', email: 'ana@csirt.example.cr' },
    },
    metadata: {
      actor: { sub: 'cr-csirt', role: 'partner', country: 'CR' },
      correlationId: uuidv7(),
      requestId: uuidv7(),
    },
  };
}

interface Contender {
  readonly name: string;
  readonly operation: () => Promise<void>;
}

interface Measurement {
  readonly perSecond: number;
  readonly operations: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Runs `operation` from CONCURRENCY loops for `ms`; returns how many completed. */
async function runFor(operation: () => Promise<void>, ms: number, latencies?: number[]): Promise<number> {
  let operations = 0;
  const deadline = performance.now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await operation();
        latencies?.push(performance.now() - started);
        operations++;
      }
    }),
  );
  return operations;
}

/**
 * Warms every contender up, then measures each for DURATION_MS in total, interleaved in ROUNDS
 * slices (A B C A B C …) so that a change in the machine's load during the run (other processes,
 * a checkpoint) weighs on all contenders alike rather than on whichever ran at that moment.
 */
async function measureInterleaved(contenders: readonly Contender[]): Promise<Map<string, Measurement>> {
  for (const { name, operation } of contenders) {
    log(`[${name}] warm-up ${WARMUP_MS} ms`);
    await runFor(operation, WARMUP_MS);
  }
  const slice = DURATION_MS / ROUNDS;
  const totals = new Map(contenders.map((c) => [c.name, { operations: 0, elapsed: 0, latencies: [] as number[] }]));
  for (let round = 1; round <= ROUNDS; round++) {
    const line: string[] = [];
    for (const { name, operation } of contenders) {
      const total = totals.get(name)!;
      const started = performance.now();
      const operations = await runFor(operation, slice, total.latencies);
      const elapsed = performance.now() - started;
      total.operations += operations;
      total.elapsed += elapsed;
      line.push(`${name} ${Math.round((operations * 1000) / elapsed)}/s`);
    }
    log(`round ${round}/${ROUNDS} (${Math.round(slice)} ms each): ${line.join(' · ')}`);
  }
  const results = new Map<string, Measurement>();
  for (const [name, { operations, elapsed, latencies }] of totals) {
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    const result = { perSecond: (operations * 1000) / elapsed, operations, p50Ms: at(0.5), p99Ms: at(0.99) };
    log(
      `[${name}] ${Math.round(result.perSecond)}/s (${operations} in ${Math.round(elapsed)} ms), ` +
        `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
    );
    results.set(name, result);
  }
  return results;
}

const PLAIN_TABLE = `CREATE TABLE plain_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        uuid,
  stream_id       text,
  stream_type     text,
  stream_version  bigint,
  event_type      text,
  event_version   integer DEFAULT 1,
  data            jsonb,
  metadata        jsonb DEFAULT '{}'::jsonb,
  recorded_at     timestamptz DEFAULT now(),
  transaction_id  xid8 DEFAULT pg_current_xact_id()
)`;

const PLAIN_INSERT = {
  name: 'bench_plain_insert',
  text: `INSERT INTO plain_events (event_id, stream_id, stream_type, stream_version, event_type, event_version, data, metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
};

async function main(): Promise<void> {
  const server = loadConfig().database.url;
  const suffix = randomBytes(4).toString('hex');
  const oursName = `cdt_fund_bench_append_${suffix}`;
  const emmettName = `cdt_fund_bench_append_${suffix}_emmett`;
  const oursUrl = databaseUrl(server, oursName);
  const emmettUrl = databaseUrl(server, emmettName);
  const maintenanceUrl = databaseUrl(server, 'postgres');

  const pools: pg.Pool[] = [];
  const closers: (() => Promise<void>)[] = [];
  const newPool = (connectionString: string): pg.Pool => {
    const pool = new pg.Pool({ connectionString, max: POOL_SIZE });
    // pool.end() resolves before the server has closed the connections; the FORCE drops below may
    // then terminate them, which an idle client reports as an 'error' that must not crash us.
    pool.on('error', () => undefined);
    pools.push(pool);
    return pool;
  };
  try {
    log(`creating ${oursName} (migrated) and ${emmettName}`);
    await prepareDatabase(oursUrl);
    await createDatabaseIfMissing(emmettUrl);

    const pool = newPool(oursUrl);
    await pool.query(PLAIN_TABLE);
    const store = new EventStore(pool);

    // Emmett's PostgreSQL event store on its own database, with a pool of the same size.
    const emmettPool = newPool(emmettUrl);
    const emmett = getPostgreSQLEventStore(emmettUrl, { connectionOptions: { pool: emmettPool } });
    closers.push(() => emmett.close());
    await emmett.schema.migrate();

    const results = await measureInterleaved([
      {
        // The baseline: one plain INSERT per event, the same columns, only a primary key.
        name: 'plain INSERT',
        operation: async () => {
          const { data, metadata } = payload();
          await pool.query({
            ...PLAIN_INSERT,
            values: [uuidv7(), `aid_request-${uuidv7()}`, 'aid_request', 1, 'AidRequestFiled', 1, JSON.stringify(data), JSON.stringify(metadata)],
          });
        },
      },
      {
        // Ours: a single-event append to a new stream.
        name: 'event store',
        operation: async () => {
          const { data, metadata } = payload();
          const event: NewEvent = { eventId: uuidv7(), type: 'AidRequestFiled', data, metadata };
          await store.append([{ streamId: `aid_request-${uuidv7()}`, streamType: 'aid_request', expectedVersion: 'no_stream', events: [event] }]);
        },
      },
      {
        name: 'emmett',
        operation: async () => {
          const { data, metadata } = payload();
          await emmett.appendToStream(`aid_request-${uuidv7()}`, [{ type: 'AidRequestFiled', data, metadata }], {
            expectedStreamVersion: 'STREAM_DOES_NOT_EXIST',
          });
        },
      },
    ]);
    const insert = results.get('plain INSERT')!;
    const ours = results.get('event store')!;
    const emmettResult = results.get('emmett')!;

    const { rows } = await pool.query<{ events: number; streams: number }>(
      'SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM streams)::int AS streams',
    );
    log(`event store holds ${rows[0]?.events} events in ${rows[0]?.streams} streams`);

    const round = (n: number) => Math.round(n);
    const ratio = (n: number) => Math.round(n * 100) / 100;
    const line = {
      bench: 'append',
      events_per_s: round(ours.perSecond),
      insert_per_s: round(insert.perSecond),
      emmett_per_s: round(emmettResult.perSecond),
      ratio_insert: ratio(ours.perSecond / insert.perSecond),
      ratio_emmett: ratio(ours.perSecond / emmettResult.perSecond),
    };
    log(
      `event store ${line.events_per_s}/s · plain INSERT ${line.insert_per_s}/s (ratio ${line.ratio_insert}, target ≥ 0.7) · ` +
        `Emmett ${line.emmett_per_s}/s (ratio ${line.ratio_emmett}, target > 1.0)`,
    );
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    for (const close of closers) await close().catch((error: unknown) => log(`close failed: ${String(error)}`));
    for (const pool of pools) await pool.end().catch(() => undefined);
    const admin = new pg.Client({ connectionString: maintenanceUrl });
    await admin.connect();
    try {
      for (const name of [oursName, emmettName]) {
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
          log(`dropped ${name}`);
        } catch (error) {
          log(`could not drop ${name}: ${String(error)}`);
        }
      }
    } finally {
      await admin.end();
    }
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
