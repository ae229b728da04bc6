/**
 * `npm run bench:triage` — filed → triaged latency at a steady rate, the sustained maximum triage
 * rate, and a bare BullMQ round trip as the baseline, in one run. Progress goes to stderr; the last
 * stdout line is
 *   {"bench":"triage","p50_ms":N,"p95_ms":N,"p99_ms":N,"max_per_s":N,"bullmq_p50_ms":N,"bullmq_p99_ms":N}
 * Targets: p99 ≤ 100 ms at 200 filings/s; ≥ 1,000 triaged/s sustained.
 *
 * The app runs as deployed, two child processes from one fresh database: `dist/src/main.js` with
 * APP_ROLE=api (HTTP) and `dist/src/worker.js` (relay + queue processors). They run from a private
 * copy of dist/ (support/dist-snapshot.ts), so a rebuild by someone else during the run changes
 * nothing — the worker is restarted halfway.
 *
 *  0. Baseline: a Queue and a Worker (no-op processor) in this process on their own prefix;
 *     sequential add → the worker's 'completed' event, after a warm-up.
 *  1. Latency: an OPEN-LOOP load — request n is sent at start + n × (1000 / BENCH_RATE) ms whether or
 *     not earlier ones were answered (a late timer sends the overdue ones at once) — for
 *     BENCH_DURATION_S seconds, after a BENCH_WARMUP_S warm-up at the same rate. The warm-up's latency is
 *     printed but not counted: for several seconds after start-up both processes run behind their
 *     steady state (measured: warm-up p99 0.8–1.6 s, then 66–106 ms over the 20 s after it; with a
 *     3 s warm-up the first six measured seconds still had 130–230 ms worst cases). Requests alternate
 *     incident (rapid track) / capacity building, each with its own Idempotency-Key. For every 201
 *     the arrival time (Date.now(), whole ms) is kept with the request id from the body. Once every
 *     request is triaged (polled, bounded), latency = recorded_at of its AidRequestTriaged − arrival.
 *  2. Sustained rate: the worker is stopped, BENCH_BACKLOG requests are filed as fast as the API takes
 *     them, the worker is started again; max_per_s = (n − 1) / (last − first AidRequestTriaged
 *     recorded_at), which leaves out the worker's start-up; n / (ready → all triaged) is printed too.
 *
 * Correctness is checked, not assumed (exit 1, no JSON line): every filing must be answered 201,
 * every filed request must have exactly one AidRequestTriaged, no triage job may be dead-lettered.
 *
 * Load content. Incidents are spread over BENCH_COUNTRIES partner countries with `detectedAt` 73 h
 * apart within a country, except that every BENCH_DUPLICATE_EVERY-th incident of a country repeats
 * the previous one's `detectedAt` (a likely duplicate pair: one or two flags). BENCH_SAME_DETECTED_AT=1 gives all
 * incidents the same `detectedAt` instead: the incident-response queue then flags every open incident
 * of the country as a duplicate of every new one (quadratic work competing with triage in the worker).
 *
 * Knobs (environment; defaults are the benchmark): BENCH_RATE (200), BENCH_DURATION_S (20),
 * BENCH_WARMUP_S (10), BENCH_BACKLOG (5000), BENCH_BACKLOG_CONCURRENCY (32), BENCH_TRIAGE_TIMEOUT_S
 * (30), BENCH_BACKLOG_TIMEOUT_S (180), BENCH_BULLMQ_JOBS (2000), BENCH_COUNTRIES (20),
 * BENCH_DUPLICATE_EVERY (20; 0 = never), BENCH_SAME_DETECTED_AT, BENCH_KINDS (mixed; incident or capacity
 * to file one kind only, for profiling), BENCH_DATABASE_URL (any database on
 * the server; default postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL
 * (redis://127.0.0.1:6379), BENCH_APP_ENV_<NAME>=<value> (extra configuration for both app processes,
 * e.g. BENCH_APP_ENV_RELAY_BATCH_SIZE=1000), BENCH_ENFORCE_TARGETS=1 (exit 1 when a target is missed),
 * BENCH_PROFILE=1 (probe in both app processes: CPU profile, pg statements, event-loop utilisation
 * over each measured window; files in BENCH_PROFILE_DIR; the figures then include the probe's cost).
 *
 * The per-stage breakdown of the latency (relay wake-up, queue wait, triage transaction) is always
 * printed: it comes from the timestamps BullMQ keeps on each triage job (kept a day after completion).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { mintToken } from '../src/auth/dev-token';
import { queuePrefix, redisOptions } from '../src/queues/redis-connection';
import { bullmqRoundTrips } from './support/bullmq-round-trip';
import { appChildEnv, freePort, spawnNode, waitForHttpOk, type ChildService } from './support/child-service';
import { formatShares, summarizeCpuProfile } from './support/cpu-profile-summary';
import { cpuShares, cpuSnapshot, type CpuShares, type CpuSnapshot } from './support/cpu-usage';
import { snapshotDist } from './support/dist-snapshot';
import { armExitCleanup } from './support/exit-cleanup';
import { databaseUrl, dropDatabase } from './support/pg-admin';
import type { ProbeReport } from './support/probe-preload';
import { deleteRedisKeys } from './support/redis-cleanup';
import { probeRequest } from './support/probe-client';
import { appEnvFromBench, intFromEnv } from './support/env';
import { load, log, percentile } from './support/report';

const RATE = intFromEnv('BENCH_RATE', 200);
const DURATION_S = intFromEnv('BENCH_DURATION_S', 20);
const WARMUP_S = intFromEnv('BENCH_WARMUP_S', 10, 0);
const BACKLOG = intFromEnv('BENCH_BACKLOG', 5000, 2);
const BACKLOG_CONCURRENCY = intFromEnv('BENCH_BACKLOG_CONCURRENCY', 32);
const TRIAGE_TIMEOUT_S = intFromEnv('BENCH_TRIAGE_TIMEOUT_S', 30);
const BACKLOG_TIMEOUT_S = intFromEnv('BENCH_BACKLOG_TIMEOUT_S', 180);
const BULLMQ_JOBS = intFromEnv('BENCH_BULLMQ_JOBS', 2000);
const BULLMQ_WARMUP_JOBS = 200;
const COUNTRY_COUNT = Math.min(26, intFromEnv('BENCH_COUNTRIES', 20));
const DUPLICATE_EVERY = intFromEnv('BENCH_DUPLICATE_EVERY', 20, 0);
const SAME_DETECTED_AT = process.env['BENCH_SAME_DETECTED_AT'] === '1';
/** Profiling aid: `incident` or `capacity` files one kind only (capacity follow-ups are rate-limited to 20/s by the app). */
const KINDS = process.env['BENCH_KINDS'] ?? 'mixed';
if (!['mixed', 'incident', 'capacity'].includes(KINDS)) throw new Error(`BENCH_KINDS must be mixed, incident or capacity (got "${KINDS}")`);
const SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PROFILE = process.env['BENCH_PROFILE'] === '1';
const ENFORCE_TARGETS = process.env['BENCH_ENFORCE_TARGETS'] === '1';

const TARGET_P99_MS = 100;
const TARGET_PER_S = 1000;

const RUN_ID = randomBytes(4).toString('hex');
const WORK_DIR = join(tmpdir(), `cdt-fund-bench-triage-${RUN_ID}`);
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'] ?? join(tmpdir(), `cdt-fund-bench-triage-${RUN_ID}-profiles`);
const APP_PREFIX = `bench-triage-${RUN_ID}`;
const BULLMQ_PREFIX = `bench-triage-${RUN_ID}-bullmq`;

// ---------------------------------------------------------------------------------------------
// Statistics

interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
  readonly mean: number;
}

function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
  };
}

function describeSummary(s: Summary): string {
  const f = (v: number) => v.toFixed(1);
  return `p50 ${f(s.p50)} p95 ${f(s.p95)} p99 ${f(s.p99)} max ${f(s.max)} min ${f(s.min)} mean ${f(s.mean)} ms (n=${s.n})`;
}

// ---------------------------------------------------------------------------------------------
// Filings

type Phase = 'smoke' | 'warmup' | 'measured' | 'backlog';

interface Filing {
  readonly phase: Phase;
  readonly kind: 'incident_response' | 'capacity_building';
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** The request id from the 201 body. */
  readonly id: string | undefined;
  /** Date.now() once the whole 201 had arrived. */
  readonly arrivedAt: number;
  readonly httpMs: number;
  /** How late the open-loop scheduler sent it (0 for closed-loop phases). */
  readonly sendLagMs: number;
  readonly problem?: string;
}

const COUNTRIES = 'CR KE PH GH UA SN JM MD AL AM BJ BO BT CO DO EC FJ GE GT HN ID JO KG LK MN MZ'.split(' ').slice(0, COUNTRY_COUNT);
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const INCIDENT_SECTORS = [['government', 'finance'], ['energy'], ['other'], []] as const;
const ACTION_AREAS = ['open_secure_ecosystem', 'data_governance', 'countering_threats', 'partner_capacity'] as const;
const CAPACITY_SECTORS = [['telecom'], [], ['health', 'water']] as const;
const HOUR_MS = 3_600_000;
/** Further apart than the 72-hour duplicate window of the incident-response queue. */
const DETECTED_SPACING_MS = 73 * HOUR_MS;

/** Builds request n of the run: alternately an incident and a capacity request, over the partner countries. */
class FilingFactory {
  private n = 0;
  private readonly incidentsByCountry = new Map<string, number>();
  private readonly slotByCountry = new Map<string, number>();
  /** Whole hours, an hour ago: never in the future. */
  private readonly base = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;

  constructor(private readonly tokens: ReadonlyMap<string, string>) {}

  next(): { kind: Filing['kind']; headers: Record<string, string>; body: string } {
    const n = this.n++;
    const country = COUNTRIES[Math.floor(n / 2) % COUNTRIES.length]!;
    const kind = KINDS === 'incident' || (KINDS === 'mixed' && n % 2 === 0) ? 'incident_response' : 'capacity_building';
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${this.tokens.get(country)!}`,
      'idempotency-key': `bench-triage-${RUN_ID}-${n}`,
    };
    const common = { title: `Bench request ${n}`, description: 'Benchmark filing: systems affected, assistance requested for the response.' };
    if (kind === 'incident_response') {
      const k = this.incidentsByCountry.get(country) ?? 0;
      this.incidentsByCountry.set(country, k + 1);
      // A repeat keeps the previous incident's slot (one likely duplicate); every other one moves on.
      const repeat = DUPLICATE_EVERY > 0 && k > 0 && k % DUPLICATE_EVERY === 0;
      const slot = (this.slotByCountry.get(country) ?? -1) + (repeat ? 0 : 1);
      this.slotByCountry.set(country, slot);
      const detectedAt = new Date(SAME_DETECTED_AT ? this.base : this.base - slot * DETECTED_SPACING_MS).toISOString();
      const body = {
        kind,
        ...common,
        actionArea: 'countering_threats',
        amountRequested: 2_500_000,
        incident: { severity: SEVERITIES[k % SEVERITIES.length], ongoing: true, detectedAt, sectors: INCIDENT_SECTORS[k % INCIDENT_SECTORS.length] },
      };
      return { kind, headers, body: JSON.stringify(body) };
    }
    const amount = 1_000_000 + (n % 7) * 100_000;
    const body = {
      kind,
      ...common,
      actionArea: ACTION_AREAS[n % ACTION_AREAS.length],
      amountRequested: amount,
      capacity: {
        durationMonths: 12 + (n % 25),
        sectors: CAPACITY_SECTORS[n % CAPACITY_SECTORS.length],
        milestones: [
          { title: 'National CSIRT staffed', amount: amount - 400_000 },
          { title: 'Incident playbooks adopted', amount: 400_000 },
        ],
      },
    };
    return { kind, headers, body: JSON.stringify(body) };
  }
}

/** Plenty of keep-alive sockets: an open-loop load must never queue behind the client's own pool. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

async function file(origin: URL, factory: FilingFactory, phase: Phase, sendLagMs = 0): Promise<Filing> {
  const { kind, headers, body } = factory.next();
  const started = performance.now();
  const answer = await new Promise<{ status: number; text: string; problem?: string }>((resolve) => {
    let settled = false;
    const settle = (value: { status: number; text: string; problem?: string }) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const request = http.request(
      {
        host: origin.hostname,
        port: origin.port,
        path: '/v1/aid-requests',
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => settle({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => settle({ status: 0, text: '', problem: error.message }));
      },
    );
    request.setTimeout(15_000, () => request.destroy(new Error('timed out after 15 s')));
    request.on('error', (error) => settle({ status: 0, text: '', problem: error.message }));
    request.end(body);
  });
  const arrivedAt = Date.now();
  const httpMs = performance.now() - started;
  let id: string | undefined;
  let problem = answer.problem;
  if (answer.status === 201) {
    try {
      const parsed = JSON.parse(answer.text) as { id?: unknown };
      if (typeof parsed.id === 'string') id = parsed.id;
      else problem = `201 without an id: ${answer.text.slice(0, 300)}`;
    } catch {
      problem = `201 with a body that is not JSON: ${answer.text.slice(0, 300)}`;
    }
  } else if (problem === undefined) {
    problem = `${answer.status} ${answer.text.slice(0, 300)}`;
  }
  return { phase, kind, status: answer.status, id, arrivedAt, httpMs, sendLagMs, ...(problem === undefined ? {} : { problem }) };
}

/**
 * Open loop: request n is due at start + n × interval and is sent then, whatever happened to the
 * earlier ones. Timers fire late by a millisecond or so; every overdue request is sent at once, so
 * the average rate is exact and no response ever holds a request back.
 */
async function openLoop(origin: URL, factory: FilingFactory, phase: Phase, rate: number, seconds: number): Promise<Filing[]> {
  const total = rate * seconds;
  const intervalMs = 1000 / rate;
  const pending: Promise<Filing>[] = [];
  const start = performance.now();
  let sent = 0;
  let lastSentAt = start;
  let answered = 0;
  let lastReport = start;
  let answeredAtLastReport = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + sent * intervalMs <= now) {
      const lag = now - (start + sent * intervalMs);
      pending.push(
        file(origin, factory, phase, lag).then((filing) => {
          answered++;
          return filing;
        }),
      );
      sent++;
      lastSentAt = now;
    }
    if (now - lastReport >= 1000) {
      log(`  ${phase}: t=${((now - start) / 1000).toFixed(0)}s sent ${sent}, ${answered - answeredAtLastReport} answers in the last second`);
      lastReport = now;
      answeredAtLastReport = answered;
    }
    if (sent < total) await sleep(Math.max(0, start + sent * intervalMs - performance.now()));
  }
  const filings = await Promise.all(pending);
  const sendRate = (total - 1) / ((lastSentAt - start) / 1000);
  log(`  ${phase}: ${total} requests sent at ${sendRate.toFixed(1)}/s, all answered ${((performance.now() - start) / 1000).toFixed(2)} s after the first was sent; ` +
    `send lag behind schedule ${describeSummary(summarize(filings.map((f) => f.sendLagMs)))}`);
  return filings;
}

/** Closed loop, `concurrency` requests in flight: as fast as the API takes them. */
async function fileBacklog(origin: URL, factory: FilingFactory, count: number, concurrency: number): Promise<Filing[]> {
  const filings: Filing[] = [];
  let next = 0;
  const start = performance.now();
  const progress = setInterval(() => log(`  backlog: ${filings.length} of ${count} filed`), 1000);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next++;
          filings.push(await file(origin, factory, 'backlog'));
        }
      }),
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - start) / 1000;
  log(`  backlog: ${count} filings in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(0)}/s; HTTP ${describeSummary(summarize(filings.map((f) => f.httpMs)))}`);
  return filings;
}

function checkFilings(label: string, filings: readonly Filing[], failures: string[]): void {
  const bad = filings.filter((f) => f.status !== 201 || f.id === undefined);
  if (bad.length === 0) return;
  const byStatus = new Map<number, number>();
  for (const f of bad) byStatus.set(f.status, (byStatus.get(f.status) ?? 0) + 1);
  const samples = [...new Set(bad.map((f) => f.problem ?? '?'))].slice(0, 5);
  failures.push(`${label}: ${bad.length} of ${filings.length} filings not answered 201 with an id ` +
    `(by status ${JSON.stringify(Object.fromEntries(byStatus))}): ${samples.join(' | ')}`);
}

// ---------------------------------------------------------------------------------------------
// Reading the outcome from Postgres and Redis

const streamIdOf = (requestId: string): string => `aid-request-${requestId}`;

async function countTriaged(db: pg.Pool, streamIds: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(DISTINCT stream_id)::int AS n FROM events WHERE event_type = 'AidRequestTriaged' AND stream_id = ANY($1::text[])`,
    [streamIds],
  );
  return rows[0]?.n ?? 0;
}

/** Polls until every stream has been triaged; returns how many were, at the deadline at the latest. */
async function waitUntilTriaged(db: pg.Pool, streamIds: readonly string[], timeoutMs: number, label: string): Promise<number> {
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

interface StreamTimes {
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
 * runs to the start of the triage transaction; the breakdown prints BullMQ's finishedOn −
 * recorded_at, an upper bound of the gap to the commit (it also holds the job's completion).
 */
async function streamTimes(db: pg.Pool, streamIds: readonly string[]): Promise<Map<string, StreamTimes>> {
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

interface JobTimes {
  timestamp: number;
  processedOn: number;
  finishedOn: number;
  attemptsMade: number;
}

/** The triage job of each filing (id `<AidRequestFiled event id>-triage`, see src/relay/relay.reactions.ts). */
async function triageJobTimes(redis: Redis, filedEventIds: readonly string[]): Promise<Map<string, JobTimes>> {
  const found = new Map<string, JobTimes>();
  for (let i = 0; i < filedEventIds.length; i += 1000) {
    const chunk = filedEventIds.slice(i, i + 1000);
    const pipeline = redis.pipeline();
    for (const eventId of chunk) pipeline.hmget(`${queuePrefix(APP_PREFIX)}:triage:${eventId}-triage`, 'timestamp', 'processedOn', 'finishedOn', 'attemptsMade');
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

// ---------------------------------------------------------------------------------------------
// Children, probes, CPU

interface AppProcesses {
  api?: ChildService;
  worker?: ChildService;
}

async function probeStart(children: readonly ChildService[]): Promise<void> {
  if (!PROFILE) return;
  await Promise.all(children.map((child) => probeRequest(child, { probe: 'start' }, 'started')));
}

async function probeStop(children: readonly ChildService[], window: string, perUnit: number): Promise<void> {
  if (!PROFILE) return;
  for (const child of children) {
    const reply = await probeRequest(child, { probe: 'stop' }, 'report');
    if (reply.probe !== 'report') continue;
    const report: ProbeReport = reply.report;
    const per = (n: number) => (n / Math.max(1, perUnit)).toFixed(2);
    log(`  [${child.name}] probe over ${window} (${(report.windowMs / 1000).toFixed(1)} s): event-loop utilisation ` +
      `${(report.eventLoopUtilization * 100).toFixed(0)}%, GC ${report.gcMs.toFixed(0)} ms in ${report.gcCount} pauses`);
    log(`  [${child.name}] pg: ${report.queries} queries = ${per(report.queries)} per request; pool checkouts ${report.poolConnects}, ` +
      `mean wait for a pool connection ${report.poolWaitMeanMs.toFixed(2)} ms`);
    for (const s of report.statements.slice(0, 15)) {
      log(`    ${String(s.count).padStart(7)} x ${s.meanMs.toFixed(2).padStart(6)} ms  ${per(s.count)}/req  ${s.statement}`);
    }
    if (report.cpuProfile !== undefined) {
      const summary = summarizeCpuProfile(report.cpuProfile, 20);
      log(`  [${child.name}] CPU profile ${report.cpuProfile}: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.idleMs.toFixed(0)} ms idle`);
      log(formatShares('self time by owner (package / app folder / V8):', summary.bySelfPackage));
      log(formatShares('inclusive time by function:', summary.byInclusiveFunction.slice(0, 30)));
    }
  }
}

interface CpuWindow {
  readonly worker: CpuSnapshot;
  readonly api?: CpuSnapshot;
  /** CPU time of the redis-server processes (shared with whoever else uses this Redis). */
  readonly redisMs: number;
}

/** CPU time (user + system) of every process with this command name, from /proc; NaN without /proc. */
function cpuMsOfCommand(command: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== command) continue;
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ = 100
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    return Number.NaN;
  }
  return total;
}

function cpuWindowStart(apps: AppProcesses, database: string): CpuWindow {
  return {
    worker: cpuSnapshot(apps.worker!.pid, [database]),
    ...(apps.api === undefined ? {} : { api: cpuSnapshot(apps.api.pid, [database]) }),
    redisMs: cpuMsOfCommand('redis-server'),
  };
}

/**
 * Cores used over the window by the worker, the API, their Postgres backends, Redis, this process
 * and the rest of the machine; and CPU milliseconds per request (`requests` handled in the window),
 * which depend much less on a shared machine's load than the rates do.
 */
function cpuWindowEnd(start: CpuWindow, apps: AppProcesses, database: string, requests: number): string {
  const worker: CpuShares = cpuShares(start.worker, cpuSnapshot(apps.worker!.pid, [database]));
  const wallMs = Date.now() - start.worker.at;
  const apiCores = start.api !== undefined && apps.api !== undefined ? cpuShares(start.api, cpuSnapshot(apps.api.pid, [database])).target : 0;
  const redisCores = (cpuMsOfCommand('redis-server') - start.redisMs) / wallMs;
  const f = (v: number) => v.toFixed(2);
  const other = Math.max(0, worker.other - apiCores - redisCores);
  const perRequest = (cores: number) => ((cores * wallMs) / Math.max(1, requests)).toFixed(2);
  return (
    `cores busy ${f(worker.machineBusy)} of ${f(worker.cores)}: worker ${f(worker.target)} (event-loop thread on a CPU ${f(worker.targetMainRun)}, ` +
    `waiting for one ${f(worker.targetMainWait)}), api ${f(apiCores)}, their postgres backends ${f(worker.postgres)} ` +
    `(waiting for a CPU ${f(worker.postgresWait)}), postgres server ${f(worker.postgresServer)}, redis ${f(redisCores)}, bench ${f(worker.loadGenerator)}, ` +
    `other work ${f(other)}${other > 0.2 ? ' — WARNING: a busy machine depresses these figures' : ''}\n` +
    `    CPU ms per request over ${requests} requests: worker ${perRequest(worker.target)}, api ${perRequest(apiCores)}, ` +
    `postgres backends ${perRequest(worker.postgres)}, redis ${perRequest(redisCores)}`
  );
}

/**
 * The relay reads only events below the transaction horizon (`pg_snapshot_xmin(pg_current_snapshot())`),
 * and that horizon is cluster-wide: a write transaction still open in ANY database of the server —
 * another engineer's test suite on a shared server, say — holds back events committed after it
 * started. This samples the other databases' open write transactions while the load runs, to tell
 * such waits apart from the app's own.
 */
class ForeignTransactionSampler {
  private timer?: NodeJS.Timeout;
  private samples = 0;
  private withForeign = 0;
  private maxAgeMs = 0;
  private readonly databases = new Set<string>();
  private busy = false;

  constructor(private readonly db: pg.Pool) {}

  start(intervalMs = 25): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.db
        .query<{ datname: string | null; age_ms: number }>(
          `SELECT datname, (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::float8 AS age_ms
             FROM pg_stat_activity
            WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()`,
        )
        .then(({ rows }) => {
          this.samples++;
          if (rows.length > 0) this.withForeign++;
          for (const row of rows) {
            this.maxAgeMs = Math.max(this.maxAgeMs, row.age_ms);
            this.databases.add(row.datname ?? '?');
          }
        })
        .catch(() => undefined)
        .finally(() => {
          this.busy = false;
        });
    }, intervalMs);
  }

  stop(): string {
    clearInterval(this.timer);
    if (this.withForeign === 0) return `no write transaction of another database seen in ${this.samples} samples`;
    return (
      `a write transaction of another database was open in ${this.withForeign} of ${this.samples} samples ` +
      `(${((this.withForeign / Math.max(1, this.samples)) * 100).toFixed(0)}%; the oldest seen ${this.maxAgeMs.toFixed(0)} ms old; ` +
      `databases ${[...this.databases].slice(0, 5).join(', ')}): the relay's horizon waits for those too`
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 0: bare BullMQ round trip

async function bullmqBaseline(): Promise<Summary> {
  return summarize(await bullmqRoundTrips({ redisUrl: REDIS_URL, prefix: BULLMQ_PREFIX, warmupJobs: BULLMQ_WARMUP_JOBS, jobs: BULLMQ_JOBS, log }));
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(`bench:triage run ${RUN_ID}: ${RATE}/s open loop for ${DURATION_S} s (+${WARMUP_S} s warm-up), backlog ${BACKLOG}, ` +
    `BullMQ baseline ${BULLMQ_JOBS} jobs; ${COUNTRIES.length} countries, ` +
    `${SAME_DETECTED_AT ? 'all incidents detected at the same time (duplicate storm)' : `a likely duplicate every ${DUPLICATE_EVERY || '∞'} incidents per country`}; ${load()}`);
  const failures: string[] = [];
  const database = `cdt_fund_bench_triage_${RUN_ID}`;
  const appDatabase = databaseUrl(SERVER_URL, database);
  const apps: AppProcesses = {};
  const cleanup = armExitCleanup(
    {
      databaseUrls: [appDatabase],
      redis: { url: REDIS_URL, prefixes: [`${queuePrefix(APP_PREFIX)}:`, `${queuePrefix(BULLMQ_PREFIX)}:`] },
      directories: [WORK_DIR],
    },
    () => {
      for (const child of [apps.api, apps.worker]) {
        if (child !== undefined && child.exitCode() === undefined) child.process.kill('SIGKILL');
      }
    },
  );
  let db: pg.Pool | undefined;
  let redis: Redis | undefined;
  let line: Record<string, number | string> | undefined;
  try {
    // Phase 0 — the baseline, on an otherwise idle app (nothing of ours is running yet).
    log('[bullmq] bare round trip: add → no-op worker completed, sequential');
    const bullmq = await bullmqBaseline();
    log(`[bullmq] ${describeSummary(bullmq)}; ${load()}`);

    // The app, from a private copy of the build.
    const dist = snapshotDist(join(__dirname, '..'), join(__dirname, '..', '..', 'node_modules'), WORK_DIR);
    if (PROFILE) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      log(`profiling mode: probe files in ${PROFILE_DIR}; the figures include the probe's overhead`);
    }
    const secret = randomBytes(32).toString('hex');
    const secretBytes = new TextEncoder().encode(secret);
    const tokens = new Map<string, string>();
    for (const country of COUNTRIES) {
      tokens.set(country, await mintToken(secretBytes, { sub: `bench-partner-${country.toLowerCase()}`, role: 'partner', country }));
    }
    const extraEnv = appEnvFromBench();
    if (Object.keys(extraEnv).length > 0) log(`extra app configuration: ${JSON.stringify(extraEnv)}`);
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const envFor = (role: 'api' | 'worker', port: number): Record<string, string> =>
      appChildEnv({
        role,
        port,
        databaseUrl: appDatabase,
        redisUrl: REDIS_URL,
        queuePrefix: APP_PREFIX,
        jwtSecret: secret,
        dataDir: join(WORK_DIR, 'data'),
        extra: { ...extraEnv, ...(PROFILE ? { BENCH_PROFILE_DIR: PROFILE_DIR, BENCH_PROFILE_LABEL: role } : {}) },
      });
    const start = (role: 'api' | 'worker', port: number, name: string): ChildService =>
      spawnNode({
        name,
        entry: join(dist, 'src', role === 'api' ? 'main.js' : 'worker.js'),
        env: envFor(role, port),
        ...(PROFILE ? { nodeArgs: ['-r', join(dist, 'bench', 'support', 'probe-preload.js')], ipc: true } : {}),
      });

    // The API first: it creates and migrates the database; the worker then finds it ready.
    const apiOrigin = new URL(`http://127.0.0.1:${apiPort}`);
    log(`[app] starting the api on ${apiOrigin.origin} and the worker on port ${workerPort} (database ${database}, queue prefix ${APP_PREFIX})`);
    apps.api = start('api', apiPort, 'api');
    await waitForHttpOk(`${apiOrigin.origin}/health/ready`, apps.api);
    apps.worker = start('worker', workerPort, 'worker');
    await waitForHttpOk(`http://127.0.0.1:${workerPort}/health/ready`, apps.worker);
    log(`[app] both ready; ${load()}`);

    db = new pg.Pool({ connectionString: appDatabase, max: 2 });
    redis = new Redis({ ...redisOptions(REDIS_URL, 'worker'), connectionName: 'bench-triage' });
    const factory = new FilingFactory(tokens);

    // Smoke: one filing, triaged.
    const smoke = await file(apiOrigin, factory, 'smoke');
    checkFilings('smoke', [smoke], failures);
    if (failures.length > 0) throw new Error(failures.join('\n'));
    const smokeTriaged = await waitUntilTriaged(db, [streamIdOf(smoke.id!)], 15_000, 'smoke');
    if (smokeTriaged !== 1) throw new Error('smoke: the request filed was not triaged within 15 s: is the relay or the triage worker running?');
    log('[smoke] filed and triaged');

    // Phase 1 — latency at a steady rate, open loop.
    const allFilings: Filing[] = [smoke];
    if (WARMUP_S > 0) {
      log(`[latency] warm-up: ${RATE}/s for ${WARMUP_S} s`);
      const warmup = await openLoop(apiOrigin, factory, 'warmup', RATE, WARMUP_S);
      allFilings.push(...warmup);
      checkFilings('warm-up', warmup, failures);
      const ids = warmup.flatMap((f) => (f.id === undefined ? [] : [streamIdOf(f.id)]));
      const n = await waitUntilTriaged(db, ids, TRIAGE_TIMEOUT_S * 1000, 'warm-up');
      if (n !== ids.length) failures.push(`warm-up: only ${n} of ${ids.length} requests triaged within ${TRIAGE_TIMEOUT_S} s`);
      const warmupTimes = await streamTimes(db, ids);
      const warmupLatencies = warmup.flatMap((f) => {
        const triagedAt = f.id === undefined ? undefined : warmupTimes.get(streamIdOf(f.id))?.triagedAt;
        return triagedAt === undefined ? [] : [triagedAt - f.arrivedAt];
      });
      log(`[latency] warm-up, left out of the figures: ${describeSummary(summarize(warmupLatencies))}`);
    }
    await sleep(500);
    log(`[latency] measuring: ${RATE}/s for ${DURATION_S} s; ${load()}`);
    await probeStart([apps.api, apps.worker]);
    const cpuLatency = cpuWindowStart(apps, database);
    const foreign = new ForeignTransactionSampler(db);
    foreign.start();
    const measured = await openLoop(apiOrigin, factory, 'measured', RATE, DURATION_S);
    const foreignReport = foreign.stop();
    allFilings.push(...measured);
    checkFilings('measured', measured, failures);
    const measuredIds = measured.flatMap((f) => (f.id === undefined ? [] : [streamIdOf(f.id)]));
    const triagedCount = await waitUntilTriaged(db, measuredIds, TRIAGE_TIMEOUT_S * 1000, 'measured');
    log(`[latency] CPU over the load and the drain: ${cpuWindowEnd(cpuLatency, apps, database, measured.length)}`);
    log(`[latency] during the load, ${foreignReport}`);
    await probeStop([apps.api, apps.worker], 'the latency phase', measured.length);
    if (triagedCount !== measuredIds.length) {
      failures.push(`measured: only ${triagedCount} of ${measuredIds.length} requests triaged within ${TRIAGE_TIMEOUT_S} s of the last 201`);
    }
    const latencyLoad = load();

    const times = await streamTimes(db, measuredIds);
    const jobs = await triageJobTimes(redis, [...times.values()].map((t) => t.filedEventId));
    const latencies: number[] = [];
    const byKind = new Map<string, number[]>();
    const stages = {
      http: [] as number[],
      filedToResponse: [] as number[],
      relay: [] as number[],
      responseToEnqueued: [] as number[],
      queueWait: [] as number[],
      jobToTransaction: [] as number[],
      transactionToFinished: [] as number[],
      serverSide: [] as number[],
    };
    let retried = 0;
    for (const filing of measured) {
      if (filing.id === undefined) continue;
      const t = times.get(streamIdOf(filing.id));
      if (t?.triagedAt === undefined) continue;
      // Both clocks are this machine's wall clock (Postgres' now() and Date.now()); Date.now() is
      // truncated to the millisecond, so a latency may read up to 1 ms high.
      const latency = t.triagedAt - filing.arrivedAt;
      latencies.push(latency);
      byKind.set(filing.kind, [...(byKind.get(filing.kind) ?? []), latency]);
      stages.http.push(filing.httpMs);
      stages.filedToResponse.push(filing.arrivedAt - t.filedAt);
      stages.serverSide.push(t.triagedAt - t.filedAt);
      const job = jobs.get(t.filedEventId);
      if (job === undefined) continue;
      if (job.attemptsMade > 1) retried++;
      stages.relay.push(job.timestamp - t.filedAt);
      stages.responseToEnqueued.push(job.timestamp - filing.arrivedAt);
      stages.queueWait.push(job.processedOn - job.timestamp);
      stages.jobToTransaction.push(t.triagedAt - job.processedOn);
      stages.transactionToFinished.push(job.finishedOn - t.triagedAt);
    }
    const latency = summarize(latencies);
    const negative = latencies.filter((v) => v < 0).length;
    log(`[latency] filed (201 arrived) → AidRequestTriaged recorded_at: ${describeSummary(latency)}; ${latencyLoad}`);
    for (const [kind, values] of byKind) log(`  ${kind}: ${describeSummary(summarize(values))}`);
    // Steady or episodic? The worst latency of the requests answered in each second of the load.
    const firstArrival = Math.min(...measured.map((f) => f.arrivedAt));
    const worstBySecond = new Map<number, number>();
    measured.forEach((filing) => {
      const t = filing.id === undefined ? undefined : times.get(streamIdOf(filing.id));
      if (t?.triagedAt === undefined) return;
      const second = Math.floor((filing.arrivedAt - firstArrival) / 1000);
      worstBySecond.set(second, Math.max(worstBySecond.get(second) ?? Number.NEGATIVE_INFINITY, t.triagedAt - filing.arrivedAt));
    });
    log(`  worst latency (ms) of each second of the load: ${[...worstBySecond.entries()].sort((a, b) => a[0] - b[0]).map(([, ms]) => ms.toFixed(0)).join(' ')}`);
    if (negative > 0) {
      // The relay races the HTTP answer: the triage transaction can begin before this client has
      // read the 201 (the filing committed before the answer was sent). Not necessarily a clock problem.
      log(`  ${negative} negative latencies (triage began before the 201 reached the client); min ${latency.min.toFixed(1)} ms`);
    }
    log(`[latency] breakdown (ms; recorded_at = start of each writing transaction; BullMQ times from the relay's and the worker's clocks), ${jobs.size} of ${times.size} jobs found:`);
    log(`  HTTP request → 201 at the client          ${describeSummary(summarize(stages.http))}`);
    log(`  filing tx start → 201 at the client       ${describeSummary(summarize(stages.filedToResponse))}`);
    log(`  filing tx start → triage job enqueued     ${describeSummary(summarize(stages.relay))}  (relay: commit, NOTIFY, horizon, readAll, addBulk)`);
    log(`  201 at the client → triage job enqueued   ${describeSummary(summarize(stages.responseToEnqueued))}`);
    log(`  job enqueued → worker picked it up        ${describeSummary(summarize(stages.queueWait))}`);
    log(`  picked up → triage tx start               ${describeSummary(summarize(stages.jobToTransaction))}  (stream read, decide)`);
    log(`  triage tx start → job finished            ${describeSummary(summarize(stages.transactionToFinished))}  (upper bound of start → commit)`);
    log(`  filing tx start → triage tx start         ${describeSummary(summarize(stages.serverSide))}  (server side, one clock)`);
    if (retried > 0) log(`  ${retried} triage jobs needed more than one attempt`);
    log(`  HTTP filing latency at ${RATE}/s: ${describeSummary(summarize(measured.map((f) => f.httpMs)))}`);

    // Phase 2 — sustained rate: a backlog filed while the worker is stopped.
    log(`[backlog] stopping the worker`);
    await apps.worker.stop();
    const triagedBefore = await countAll(db);
    log(`[backlog] filing ${BACKLOG} requests, ${BACKLOG_CONCURRENCY} in flight; ${load()}`);
    const backlog = await fileBacklog(apiOrigin, factory, BACKLOG, BACKLOG_CONCURRENCY);
    allFilings.push(...backlog);
    checkFilings('backlog', backlog, failures);
    const backlogIds = backlog.flatMap((f) => (f.id === undefined ? [] : [streamIdOf(f.id)]));
    const triagedMeanwhile = (await countAll(db)) - triagedBefore;
    if (triagedMeanwhile !== 0) failures.push(`backlog: ${triagedMeanwhile} requests were triaged while the worker was stopped`);
    await sleep(500);
    log(`[backlog] starting the worker; ${load()}`);
    const spawnedAt = Date.now();
    apps.worker = start('worker', workerPort, 'worker-2');
    await waitForHttpOk(`http://127.0.0.1:${workerPort}/health/ready`, apps.worker);
    const readyAt = Date.now();
    await probeStart([apps.worker]);
    const cpuBacklog = cpuWindowStart({ worker: apps.worker }, database);
    log(`[backlog] worker ready ${readyAt - spawnedAt} ms after spawn`);
    const deadline = readyAt + BACKLOG_TIMEOUT_S * 1000;
    let done = 0;
    let lastLog = 0;
    let doneAt = Number.NaN;
    for (;;) {
      done = (await countAll(db)) - triagedBefore;
      if (done >= backlogIds.length) {
        doneAt = Date.now();
        break;
      }
      if (Date.now() >= deadline) break;
      if (Date.now() - lastLog >= 1000) {
        log(`  backlog: ${done} of ${backlogIds.length} triaged, ${((Date.now() - readyAt) / 1000).toFixed(1)} s after ready`);
        lastLog = Date.now();
      }
      await sleep(PROGRESS_POLL_MS);
    }
    log(`[backlog] CPU while triaging the backlog: ${cpuWindowEnd(cpuBacklog, { worker: apps.worker }, database, done)}`);
    await probeStop([apps.worker], 'the backlog', backlogIds.length);
    const backlogLoad = load();
    let maxPerS = Number.NaN;
    if (done < backlogIds.length) {
      failures.push(`backlog: only ${done} of ${backlogIds.length} requests triaged within ${BACKLOG_TIMEOUT_S} s of the worker being ready`);
    } else {
      const backlogTimes = await streamTimes(db, backlogIds);
      const triagedAts = [...backlogTimes.values()].flatMap((t) => (t.triagedAt === undefined ? [] : [t.triagedAt])).sort((a, b) => a - b);
      const first = triagedAts[0]!;
      const last = triagedAts.at(-1)!;
      // n events span n − 1 intervals between the first and the last.
      maxPerS = (triagedAts.length - 1) / ((last - first) / 1000);
      const fromReady = backlogIds.length / ((doneAt - readyAt) / 1000);
      log(`[backlog] ${triagedAts.length} triaged between the first and the last AidRequestTriaged (${((last - first) / 1000).toFixed(2)} s): ` +
        `${maxPerS.toFixed(0)}/s; from worker ready to all triaged (polled, ${((doneAt - readyAt) / 1000).toFixed(2)} s): ${fromReady.toFixed(0)}/s; ` +
        `first triage ${(first - readyAt).toFixed(0)} ms after /health/ready answered, ${(first - spawnedAt).toFixed(0)} ms after spawn; ${backlogLoad}`);
      const perSecond = new Map<number, number>();
      for (const at of triagedAts) {
        const second = Math.floor((at - first) / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
      log(`  triaged per second from the first: ${[...perSecond.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n).join(' ')}`);
      const backlogJobs = await triageJobTimes(redis, [...backlogTimes.values()].map((t) => t.filedEventId));
      const enqueued = [...backlogJobs.values()].map((j) => j.timestamp).sort((a, b) => a - b);
      const picked = [...backlogJobs.values()].map((j) => j.processedOn).sort((a, b) => a - b);
      if (enqueued.length > 1) {
        log(`  relay: enqueued ${enqueued.length} triage jobs from ${(enqueued[0]! - readyAt).toFixed(0)} ms to ${(enqueued.at(-1)! - readyAt).toFixed(0)} ms after ready ` +
          `(${((enqueued.length - 1) / ((enqueued.at(-1)! - enqueued[0]!) / 1000)).toFixed(0)}/s); workers picked them up from ` +
          `${(picked[0]! - readyAt).toFixed(0)} to ${(picked.at(-1)! - readyAt).toFixed(0)} ms after ready`);
        log(`  per job, picked up → finished: ${describeSummary(summarize([...backlogJobs.values()].map((j) => j.finishedOn - j.processedOn)))}`);
      }
    }

    // Exactly once, for everything filed in the run.
    const everyId = allFilings.flatMap((f) => (f.id === undefined ? [] : [streamIdOf(f.id)]));
    await sleep(1000);
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
    for (const child of [apps.api, apps.worker]) {
      if (child.exitCode() !== undefined) failures.push(`${child.name} exited during the run (${String(child.exitCode())})`);
    }

    line = {
      bench: 'triage',
      p50_ms: Number(latency.p50.toFixed(1)),
      p95_ms: Number(latency.p95.toFixed(1)),
      p99_ms: Number(latency.p99.toFixed(1)),
      max_per_s: Math.round(maxPerS),
      bullmq_p50_ms: Number(bullmq.p50.toFixed(1)),
      bullmq_p99_ms: Number(bullmq.p99.toFixed(1)),
    };
    log(`[summary] latency ${latencyLoad}; max_per_s ${backlogLoad}; BullMQ baseline measured before the app started`);
  } finally {
    await redis?.quit().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await Promise.all([apps.api?.stop(), apps.worker?.stop()]);
    let cleanedUp = true;
    await dropDatabase(appDatabase).catch((error: unknown) => {
      cleanedUp = false;
      log(`could not drop ${database}: ${String(error)}`);
    });
    for (const prefix of [`${queuePrefix(APP_PREFIX)}:`, `${queuePrefix(BULLMQ_PREFIX)}:`]) {
      await deleteRedisKeys(REDIS_URL, prefix).then(
        (n) => log(`deleted ${n} Redis keys under ${prefix}`),
        (error: unknown) => {
          cleanedUp = false;
          log(`could not delete the Redis keys under ${prefix}: ${String(error)}`);
        },
      );
    }
    rmSync(WORK_DIR, { recursive: true, force: true });
    agent.destroy();
    if (cleanedUp) cleanup.disarm();
  }

  if (failures.length > 0) {
    log(`FAILED (figures not valid: ${JSON.stringify(line)}):`);
    for (const failure of failures) log(`  - ${failure}`);
    process.exitCode = 1;
    return;
  }
  const result = line;
  const missed: string[] = [];
  if (Number(result['p99_ms']) > TARGET_P99_MS) missed.push(`p99 ${result['p99_ms']} ms > ${TARGET_P99_MS} ms`);
  if (Number(result['max_per_s']) < TARGET_PER_S) missed.push(`max_per_s ${result['max_per_s']} < ${TARGET_PER_S}`);
  log(missed.length === 0 ? `targets met (p99 <= ${TARGET_P99_MS} ms at ${RATE}/s, >= ${TARGET_PER_S} triaged/s)` : `TARGET MISSED: ${missed.join('; ')}`);
  if (missed.length > 0 && ENFORCE_TARGETS) process.exitCode = 1;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * How often progress is polled while the app works. Each poll counts AidRequestTriaged events by
 * scanning the log (about 10 ms of a Postgres core by the end of a run), which the system under
 * test pays for: polled every 50 ms it took a sixth of a core during the backlog. The figures
 * come from the events' own recorded_at, not from when a poll saw them, so polling less often
 * changes only when a phase is seen to end.
 */
const PROGRESS_POLL_MS = 500;

async function countAll(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE event_type = 'AidRequestTriaged'`);
  return rows[0]?.n ?? 0;
}

main().catch((error: unknown) => {
  log(`bench:triage failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
