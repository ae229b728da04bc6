import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { log } from './report';

/**
 * A large event log generated straight into the events table in SQL, for the benches that need
 * history (bench:audit, bench:growth): INSERT … SELECT FROM generate_series, one transaction per
 * chunk, with bench:append's payload (an incident filing in `data`, the actor and correlation ids
 * in `metadata`: ≈ 600 bytes as compact JSON, ≈ 850 as Postgres prints jsonb), `perStream` events
 * per stream with increasing stream_version and one `streams` row per stream, then VACUUM ANALYZE
 * and a CHECKPOINT, so that what runs next pays neither for setting hint bits nor for flushing the
 * generated pages. The events are of a type no relay reaction handles: no job is ever queued for them.
 */
export const GENERATED_EVENT_TYPE = 'BenchEventRecorded';

export interface GeneratedLog {
  readonly events: number;
  readonly perStream: number;
  /** Events per INSERT (and transaction). */
  readonly chunk: number;
  /** recorded_at of the last event; the one before it a millisecond earlier, and so on. */
  readonly endsAt: Date;
}

/**
 * One chunk of events [from, to] (1-based event numbers) in one statement and transaction. Event
 * g is version ((g−1) mod P) + 1 of stream ⌊(g−1)/P⌋; recorded_at increases by a millisecond per
 * event, the last one at `endsAt`. The stream id and the request id derive from the stream number.
 */
const GENERATE_EVENTS = `
  INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, event_version, data, metadata, recorded_at)
  SELECT gen_random_uuid(),
         'bench-' || s.id,
         'bench',
         (g - 1) % $3 + 1,
         $4,
         1,
         jsonb_build_object(
           'requestId', s.id,
           'country', c.code,
           'kind', 'incident_response',
           'title', 'Ransomware on customs and tax systems #' || g,
           'description', 'Customs and tax systems encrypted; operations halted since this morning.',
           'actionArea', 'countering_threats',
           'amountRequested', (2500000 + (g % 1000) * 100)::text,
           'priority', 1 + g % 5,
           'incident', jsonb_build_object('severity', 'critical', 'ongoing', true, 'detectedAt', '2026-11-27T08:00:00.000Z',
                                          'sectors', jsonb_build_array('government', 'finance')),
           'milestones', jsonb_build_array(jsonb_build_object('title', 'Containment', 'amount', '1000000', 'dueAt', '2026-12-15'),
                                           jsonb_build_object('title', 'Recovery', 'amount', '1500000', 'dueAt', '2027-02-01')),
           'contact', jsonb_build_object('name', 'Ana Mora', 'email', 'ana@csirt.example.' || lower(c.code))),
         jsonb_build_object(
           'actor', jsonb_build_object('sub', lower(c.code) || '-csirt', 'role', 'partner', 'country', c.code),
           'correlationId', gen_random_uuid(),
           'requestId', gen_random_uuid()),
         $5::timestamptz + g * interval '1 millisecond'
    FROM generate_series($1::bigint, $2::bigint) AS g
   CROSS JOIN LATERAL (SELECT md5('bench-stream-' || ((g - 1) / $3))::uuid AS id) s
   CROSS JOIN LATERAL (SELECT (ARRAY['CR','KE','PH','GH','UA','SN','JM','MD'])[1 + ((g - 1) / $3) % 8] AS code) c
   ORDER BY g`;

const GENERATE_STREAMS = `
  INSERT INTO streams (stream_id, stream_type, version)
  SELECT 'bench-' || md5('bench-stream-' || s)::uuid, 'bench', least($2::bigint, $1::bigint - s * $2)
    FROM generate_series(0, ($1::bigint - 1) / $2) AS s`;

export async function generateLog(db: pg.Pool, options: GeneratedLog): Promise<number> {
  const { events, perStream, chunk } = options;
  const started = performance.now();
  const base = new Date(options.endsAt.getTime() - events).toISOString();
  for (let from = 1; from <= events; from += chunk) {
    const to = Math.min(events, from + chunk - 1);
    await db.query(GENERATE_EVENTS, [from, to, perStream, GENERATED_EVENT_TYPE, base]);
    log(`  generated ${to} of ${events} events (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  await db.query(GENERATE_STREAMS, [events, perStream]);
  await db.query('VACUUM (ANALYZE) events');
  await db.query('VACUUM (ANALYZE) streams');
  await db.query('CHECKPOINT');
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.query<{ events: number; streams: number; bytes: number; avg_json: number; min_pos: string; max_pos: string }>(
    `SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM streams)::int AS streams,
            pg_total_relation_size('events')::float8 AS bytes,
            (SELECT avg(octet_length(data::text) + octet_length(metadata::text)) FROM (SELECT data, metadata FROM events LIMIT 1000) x)::float8 AS avg_json,
            (SELECT min(global_position) FROM events)::text AS min_pos, (SELECT max(global_position) FROM events)::text AS max_pos`,
  );
  const r = rows[0]!;
  log(`[generate] ${r.events} events in ${r.streams} streams, positions ${r.min_pos}…${r.max_pos}, ` +
    `${(r.bytes / 2 ** 20).toFixed(0)} MiB with indexes, data + metadata ≈ ${r.avg_json.toFixed(0)} bytes of JSON per event, ` +
    `${seconds.toFixed(1)} s (with VACUUM ANALYZE and CHECKPOINT)`);
  if (r.events !== events) throw new Error(`generated ${r.events} events, expected ${events}`);
  if (Number(r.max_pos) - Number(r.min_pos) + 1 !== events) throw new Error('the generated positions are not contiguous');
  return seconds;
}

/**
 * Stores the checkpoints of these event-log consumers at the end of the log as it is now, as if
 * they had handled it already: they then never read the generated events (the sealer, whose
 * checkpoint is not set, still seals them all).
 */
export async function parkConsumersAtEnd(db: pg.Pool, consumers: readonly string[]): Promise<void> {
  await db.query(
    `INSERT INTO consumer_checkpoints (consumer, transaction_id, global_position)
     SELECT c.consumer, e.transaction_id, e.global_position
       FROM unnest($1::text[]) AS c(consumer)
      CROSS JOIN (SELECT transaction_id, global_position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1) e`,
    [consumers],
  );
}
