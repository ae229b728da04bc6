import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { queuePrefix } from '../../src/queues/redis-connection';
import { log } from './report';

/**
 * What became of filed requests, read from the app's database and its BullMQ keys: triaged or not,
 * when (the events' own recorded_at), how often, and the timestamps of each triage job.
 */

export const streamIdOf = (requestId: string): string => `aid-request-${requestId}`;

/** The streams of the filings answered 201. */
export function filedStreamIds(filings: readonly { readonly id: string | undefined }[]): string[] {
  return filings.flatMap((f) => (f.id === undefined ? [] : [streamIdOf(f.id)]));
}

/**
 * How often progress is polled while the app works. Each poll counts AidRequestTriaged events by
 * scanning the log (about 10 ms of a Postgres core by the end of a run), which the system under
 * test pays for: polled every 50 ms it took a sixth of a core during the backlog. The figures
 * come from the events' own recorded_at, not from when a poll saw them, so polling less often
 * changes only when a phase is seen to end.
 */
export const PROGRESS_POLL_MS = 500;

async function countTriaged(db: pg.Pool, streamIds: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(DISTINCT stream_id)::int AS n FROM events WHERE event_type = 'AidRequestTriaged' AND stream_id = ANY($1::text[])`,
    [streamIds],
  );
  return rows[0]?.n ?? 0;
}

/** Polls until every stream has been triaged; returns how many were, at the deadline at the latest. */
export async function waitUntilTriaged(db: pg.Pool, streamIds: readonly string[], timeoutMs: number, label: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  for (;;) {
    const n = await countTriaged(db, streamIds);
    if (n >= streamIds.length) return n;
    if (Date.now() >= deadline) return n;
    if (Date.now() - lastLog >= 1000) {
      log(`  ${label}: ${n} of ${streamIds.length} triaged`);
      lastLog = Date.now();
    }
    await sleep(PROGRESS_POLL_MS);
  }
}

export interface StreamTimes {
  filedEventId: string;
  /** recorded_at in ms since the epoch, with microseconds. */
  filedAt: number;
  triagedAt?: number;
  triagedCount: number;
}

/**
 * recorded_at of the filing and of the triage. `recorded_at` is `now()` of the writing
 * transaction: when that transaction BEGAN, not when it committed. The triage append is one
 * statement in its own transaction (event_store_append_with_effects: events, stream version and
 * view in one round trip), so its commit follows at the end of that statement — about a
 * millisecond later on an idle machine, more when the CPUs are contended. So the latency measured
 * runs to the start of the triage transaction; bench:triage's breakdown prints BullMQ's finishedOn −
 * recorded_at, an upper bound of the gap to the commit (it also holds the job's completion).
 */
export async function streamTimes(db: pg.Pool, streamIds: readonly string[]): Promise<Map<string, StreamTimes>> {
  const { rows } = await db.query<{ stream_id: string; event_type: string; event_id: string; at_ms: number }>(
    `SELECT stream_id, event_type, event_id::text AS event_id, (extract(epoch FROM recorded_at) * 1000)::float8 AS at_ms
       FROM events
      WHERE stream_id = ANY($1::text[]) AND event_type IN ('AidRequestFiled', 'AidRequestTriaged')`,
    [streamIds],
  );
  const times = new Map<string, StreamTimes>();
  for (const row of rows.filter((r) => r.event_type === 'AidRequestFiled')) {
    times.set(row.stream_id, { filedEventId: row.event_id, filedAt: row.at_ms, triagedCount: 0 });
  }
  for (const row of rows.filter((r) => r.event_type === 'AidRequestTriaged')) {
    const entry = times.get(row.stream_id);
    if (entry === undefined) continue;
    entry.triagedCount++;
    entry.triagedAt = Math.min(entry.triagedAt ?? Number.POSITIVE_INFINITY, row.at_ms);
  }
  return times;
}

/** filed (201 arrived at the client) → AidRequestTriaged recorded_at, for each filing triaged. */
export function triageLatencies(
  filings: readonly { readonly id: string | undefined; readonly arrivedAt: number }[],
  times: ReadonlyMap<string, StreamTimes>,
): number[] {
  return filings.flatMap((f) => {
    // Both clocks are this machine's wall clock (Postgres' now() and Date.now()); Date.now() is
    // truncated to the millisecond, so a latency may read up to 1 ms high.
    const triagedAt = f.id === undefined ? undefined : times.get(streamIdOf(f.id))?.triagedAt;
    return triagedAt === undefined ? [] : [triagedAt - f.arrivedAt];
  });
}

export interface JobTimes {
  timestamp: number;
  processedOn: number;
  finishedOn: number;
  attemptsMade: number;
}

/** The triage job of each filing (id `<AidRequestFiled event id>-triage`, see src/relay/relay.reactions.ts) under the app's QUEUE_PREFIX. */
export async function triageJobTimes(redis: Redis, appQueuePrefix: string, filedEventIds: readonly string[]): Promise<Map<string, JobTimes>> {
  const found = new Map<string, JobTimes>();
  for (let i = 0; i < filedEventIds.length; i += 1000) {
    const chunk = filedEventIds.slice(i, i + 1000);
    const pipeline = redis.pipeline();
    for (const eventId of chunk) pipeline.hmget(`${queuePrefix(appQueuePrefix)}:triage:${eventId}-triage`, 'timestamp', 'processedOn', 'finishedOn', 'attemptsMade');
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([error, value], j) => {
      if (error !== null) return;
      const [timestamp, processedOn, finishedOn, attemptsMade] = (value as (string | null)[]).map((v) => (v === null ? Number.NaN : Number(v)));
      if (Number.isFinite(timestamp) && Number.isFinite(processedOn) && Number.isFinite(finishedOn)) {
        found.set(chunk[j]!, { timestamp: timestamp!, processedOn: processedOn!, finishedOn: finishedOn!, attemptsMade: attemptsMade ?? Number.NaN });
      }
    });
  }
  return found;
}

/**
 * The end-of-run checks: every request answered 201 has its AidRequestFiled and exactly one
 * AidRequestTriaged, and no triage job was dead-lettered. Prints the events by type and any dead letters.
 */
export async function checkTriagedExactlyOnce(db: pg.Pool, everyId: readonly string[], failures: string[]): Promise<void> {
  const final = await streamTimes(db, everyId);
  const notTriaged = everyId.filter((id) => (final.get(id)?.triagedCount ?? 0) === 0);
  const twice = everyId.filter((id) => (final.get(id)?.triagedCount ?? 0) > 1);
  const unknown = everyId.filter((id) => !final.has(id));
  if (unknown.length > 0) failures.push(`${unknown.length} requests answered 201 have no AidRequestFiled event (e.g. ${unknown[0]})`);
  if (notTriaged.length > 0) failures.push(`${notTriaged.length} requests were never triaged (e.g. ${notTriaged[0]})`);
  if (twice.length > 0) failures.push(`${twice.length} requests were triaged more than once (e.g. ${twice[0]})`);
  log(`[check] ${everyId.length} requests filed with 201; triaged exactly once: ${everyId.length - notTriaged.length - twice.length}`);
  const { rows: byType } = await db.query<{ event_type: string; n: number }>(
    `SELECT event_type, count(*)::int AS n FROM events GROUP BY event_type ORDER BY n DESC`,
  );
  log(`[check] events by type: ${byType.map((r) => `${r.event_type} ${r.n}`).join(', ')}`);
  const { rows: dead } = await db.query<{ queue: string; n: number; reason: string }>(
    `SELECT queue, count(*)::int AS n, min(reason) AS reason FROM dead_letters GROUP BY queue`,
  );
  for (const row of dead) {
    log(`[check] dead letters in ${row.queue}: ${row.n} (e.g. ${row.reason})`);
    if (row.queue === 'triage') failures.push(`${row.n} triage jobs were dead-lettered: ${row.reason}`);
  }
}
