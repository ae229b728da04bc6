/**
 * `npm run bench:webhooks` — webhook delivery: commit → receiver latency at a steady event rate,
 * the sustained delivery rate, and a bare BullMQ round trip as the baseline, in one run. Progress
 * goes to stderr; the last stdout line is
 *   {"bench":"webhooks","p50_ms":N,"p99_ms":N,"max_per_s":N,"bullmq_p99_ms":N}
 * Targets: p99 ≤ 250 ms at 100 events/s; ≥ 500 deliveries/s sustained.
 *
 * The app runs as deployed, two child processes from one fresh database (`dist/src/main.js` with
 * APP_ROLE=api, and `dist/src/worker.js`), from a private copy of dist/. BENCH_ENDPOINTS (5)
 * receivers run in this process on 127.0.0.1 (allow-listed by WEBHOOK_ALLOWED_HOSTS), each a
 * fund-scoped endpoint for `aid_request.filed`: every filing commits one event of interest, which
 * becomes one signed delivery per endpoint. Receivers answer 204 at once.
 *
 *  0. Baseline: a Queue and a Worker (no-op) in this process on their own prefix; sequential
 *     add → 'completed', after a warm-up.
 *  1. Latency: filings sent open loop at BENCH_RATE/s for BENCH_DURATION_S s after a BENCH_WARMUP_S
 *     warm-up (not counted). Latency of a delivery = the receiver's arrival time − the recorded_at of
 *     the AidRequestFiled event (the start of the committing transaction: an upper bound of
 *     commit → receiver by the length of that transaction). Both clocks are this machine's.
 *  2. Sustained rate: the worker is stopped, BENCH_BACKLOG filings are committed, the worker is
 *     started; max_per_s = (n − 1) / (last − first arrival) over the backlog's n deliveries (fan-out
 *     from the log, enqueue, sign, POST, record — everything the worker does for a message).
 *
 * Correctness is checked (exit 1, no JSON line): every filing answered 201; every filing's message
 * reaches every endpoint, under one webhook-id per endpoint and message (repeats are counted), with
 * a valid signature (checked on a sample); no delivery dead-lettered.
 *
 * Knobs: BENCH_RATE (100), BENCH_DURATION_S (30), BENCH_WARMUP_S (5), BENCH_BACKLOG (3000),
 * BENCH_BACKLOG_CONCURRENCY (32), BENCH_ENDPOINTS (5), BENCH_BULLMQ_JOBS (2000),
 * BENCH_DELIVERY_TIMEOUT_S (120), BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_APP_ENV_<NAME>=<value>,
 * BENCH_ENFORCE_TARGETS=1 (exit 1 when a target is missed).
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { mintToken } from '../src/auth/dev-token';
import { queuePrefix } from '../src/queues/redis-connection';
import { bullmqRoundTrips } from './support/bullmq-round-trip';
import { appChildEnv, freePort, spawnNode, waitForHttpOk, type ChildService } from './support/child-service';
import { formatShares, summarizeCpuProfile } from './support/cpu-profile-summary';
import { snapshotDist } from './support/dist-snapshot';
import { appEnvFromBench, intFromEnv } from './support/env';
import { armExitCleanup } from './support/exit-cleanup';
import { databaseUrl, dropDatabase } from './support/pg-admin';
import { deleteRedisKeys } from './support/redis-cleanup';
import { load, log, percentile } from './support/report';

const RATE = intFromEnv('BENCH_RATE', 100);
const DURATION_S = intFromEnv('BENCH_DURATION_S', 30);
const WARMUP_S = intFromEnv('BENCH_WARMUP_S', 5, 0);
const BACKLOG = intFromEnv('BENCH_BACKLOG', 3000, 2);
const BACKLOG_CONCURRENCY = intFromEnv('BENCH_BACKLOG_CONCURRENCY', 32);
const ENDPOINTS = intFromEnv('BENCH_ENDPOINTS', 5);
const BULLMQ_JOBS = intFromEnv('BENCH_BULLMQ_JOBS', 2000);
const BULLMQ_WARMUP_JOBS = 200;
const DELIVERY_TIMEOUT_S = intFromEnv('BENCH_DELIVERY_TIMEOUT_S', 120);
const SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const ENFORCE_TARGETS = process.env['BENCH_ENFORCE_TARGETS'] === '1';
/** A folder: the worker runs with --cpu-prof and a summary of where its time went is printed at the end. */
const CPU_PROFILE_DIR = process.env['BENCH_CPU_PROFILE_DIR'];

const TARGET_P99_MS = 250;
const TARGET_PER_S = 500;

const RUN_ID = randomBytes(4).toString('hex');
const WORK_DIR = join(tmpdir(), `cdt-fund-bench-webhooks-${RUN_ID}`);
const APP_PREFIX = `bench-webhooks-${RUN_ID}`;
const BULLMQ_PREFIX = `bench-webhooks-${RUN_ID}-bullmq`;

interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN };
}

function describe(s: Summary): string {
  return `p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)} max ${s.max.toFixed(1)} ms (n=${s.n})`;
}

// ---------------------------------------------------------------------------------------------
// Receivers

interface Arrival {
  readonly endpoint: number;
  readonly webhookId: string;
  readonly requestId: string;
  readonly at: number;
}

class Receivers {
  readonly arrivals: Arrival[] = [];
  /** Repeats of a webhook-id already received by the same receiver. */
  repeats = 0;
  private readonly seen = new Set<string>();
  private readonly servers: http.Server[] = [];
  readonly ports: number[] = [];
  /** One raw message per receiver, to check its signature after registration gave us the secret. */
  readonly samples = new Map<number, { headers: http.IncomingHttpHeaders; body: string }>();

  async start(count: number): Promise<void> {
    for (let endpoint = 0; endpoint < count; endpoint++) {
      const server = http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const at = Date.now();
          const body = Buffer.concat(chunks).toString('utf8');
          const webhookId = String(request.headers['webhook-id']);
          const key = `${endpoint}/${webhookId}`;
          if (this.seen.has(key)) this.repeats++;
          else {
            this.seen.add(key);
            const requestId = String((JSON.parse(body) as { data?: { requestId?: string } }).data?.requestId);
            this.arrivals.push({ endpoint, webhookId, requestId, at });
            if (!this.samples.has(endpoint)) this.samples.set(endpoint, { headers: request.headers, body });
          }
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.servers.push(server);
      this.ports.push((server.address() as AddressInfo).port);
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map((server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Load

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

function post(origin: URL, path: string, token: string, body: unknown): Promise<{ status: number; text: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: origin.hostname,
        port: origin.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), authorization: `Bearer ${token}` },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => resolve({ status: 0, text: error.message }));
      },
    );
    request.setTimeout(15_000, () => request.destroy(new Error('timed out after 15 s')));
    request.on('error', (error) => resolve({ status: 0, text: error.message }));
    request.end(payload);
  });
}

let filingNumber = 0;
/** The first refusal, for the failure report. */
let firstRefusal: string | undefined;

/** A capacity-building filing: its follow-up (scoring) is rate-limited by the app, so the worker's time goes to webhooks. */
async function file(origin: URL, token: string): Promise<string | undefined> {
  const n = filingNumber++;
  const answer = await post(origin, '/v1/aid-requests', token, {
    kind: 'capacity_building',
    title: `Bench request ${n}`,
    description: 'Benchmark filing: a national CSIRT to staff and train.',
    actionArea: 'partner_capacity',
    amountRequested: 1_000_000,
    capacity: { durationMonths: 12, sectors: ['telecom'], milestones: [{ title: 'Staffed', amount: 1_000_000 }] },
  });
  if (answer.status !== 201) {
    firstRefusal ??= `${answer.status} ${answer.text.slice(0, 300)}`;
    return undefined;
  }
  return (JSON.parse(answer.text) as { id: string }).id;
}

/** Open loop: filing n is sent at start + n / rate, whatever happened to the earlier ones. */
async function openLoop(origin: URL, token: string, rate: number, seconds: number, label: string): Promise<(string | undefined)[]> {
  const total = rate * seconds;
  const interval = 1000 / rate;
  const pending: Promise<string | undefined>[] = [];
  const start = performance.now();
  let lastReport = start;
  while (pending.length < total) {
    const now = performance.now();
    while (pending.length < total && start + pending.length * interval <= now) pending.push(file(origin, token));
    if (now - lastReport >= 5000) {
      log(`  ${label}: t=${((now - start) / 1000).toFixed(0)}s sent ${pending.length}; ${load()}`);
      lastReport = now;
    }
    if (pending.length < total) await sleep(Math.max(0, start + pending.length * interval - performance.now()));
  }
  return Promise.all(pending);
}

async function closedLoop(origin: URL, token: string, count: number, concurrency: number): Promise<(string | undefined)[]> {
  const ids: (string | undefined)[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        ids.push(await file(origin, token));
      }
    }),
  );
  return ids;
}

async function waitForArrivals(receivers: Receivers, requestIds: ReadonlySet<string>, expected: number, label: string): Promise<Arrival[]> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_S * 1000;
  let lastLog = 0;
  for (;;) {
    const arrived = receivers.arrivals.filter((arrival) => requestIds.has(arrival.requestId));
    if (arrived.length >= expected || Date.now() > deadline) return arrived;
    if (Date.now() - lastLog >= 2000) {
      log(`  ${label}: ${arrived.length} of ${expected} deliveries arrived; ${load()}`);
      lastLog = Date.now();
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------

async function bullmqBaseline(): Promise<Summary> {
  return summarize(await bullmqRoundTrips({ redisUrl: REDIS_URL, prefix: BULLMQ_PREFIX, warmupJobs: BULLMQ_WARMUP_JOBS, jobs: BULLMQ_JOBS, log }));
}

function signatureValid(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`).digest('base64');
  return String(headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

async function main(): Promise<void> {
  log(`bench:webhooks run ${RUN_ID}: ${ENDPOINTS} endpoints, ${RATE} events/s for ${DURATION_S} s (+${WARMUP_S} s warm-up), backlog ${BACKLOG}; ${load()}`);
  const failures: string[] = [];
  const database = `cdt_fund_bench_webhooks_${RUN_ID}`;
  const appDatabase = databaseUrl(SERVER_URL, database);
  const apps: { api?: ChildService; worker?: ChildService } = {};
  const cleanup = armExitCleanup(
    { databaseUrls: [appDatabase], redis: { url: REDIS_URL, prefixes: [`${queuePrefix(APP_PREFIX)}:`, `${queuePrefix(BULLMQ_PREFIX)}:`] }, directories: [WORK_DIR] },
    () => {
      for (const child of [apps.api, apps.worker]) if (child !== undefined && child.exitCode() === undefined) child.process.kill('SIGKILL');
    },
  );
  const receivers = new Receivers();
  let db: pg.Pool | undefined;
  let line: Record<string, number | string> | undefined;
  try {
    log('[bullmq] bare round trip: add → no-op worker completed, sequential');
    const bullmq = await bullmqBaseline();
    log(`[bullmq] ${describe(bullmq)}; ${load()}`);

    await receivers.start(ENDPOINTS);
    const dist = snapshotDist(join(__dirname, '..'), join(__dirname, '..', '..', 'node_modules'), WORK_DIR);
    const secret = randomBytes(32).toString('hex');
    const secretBytes = new TextEncoder().encode(secret);
    const partner = await mintToken(secretBytes, { sub: 'bench-partner-cr', role: 'partner', country: 'CR' });
    const admin = await mintToken(secretBytes, { sub: 'bench-admin', role: 'admin' });
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const start = (role: 'api' | 'worker', port: number, name: string): ChildService =>
      spawnNode({
        name,
        entry: join(dist, 'src', role === 'api' ? 'main.js' : 'worker.js'),
        env: appChildEnv({
          role,
          port,
          databaseUrl: appDatabase,
          redisUrl: REDIS_URL,
          queuePrefix: APP_PREFIX,
          jwtSecret: secret,
          dataDir: join(WORK_DIR, 'data'),
          extra: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', ...appEnvFromBench() },
        }),
        ...(CPU_PROFILE_DIR !== undefined && role === 'worker' ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', CPU_PROFILE_DIR] } : {}),
      });
    const origin = new URL(`http://127.0.0.1:${apiPort}`);
    apps.api = start('api', apiPort, 'api');
    await waitForHttpOk(`${origin.origin}/health/ready`, apps.api);
    apps.worker = start('worker', workerPort, 'worker');
    await waitForHttpOk(`http://127.0.0.1:${workerPort}/health/ready`, apps.worker);
    log(`[app] api and worker ready; ${load()}`);
    db = new pg.Pool({ connectionString: appDatabase, max: 2 });

    const secrets: string[] = [];
    for (const port of receivers.ports) {
      const answer = await post(origin, '/v1/webhooks', admin, { url: `http://127.0.0.1:${port}/hook`, scope: 'fund', events: ['aid_request.filed'] });
      if (answer.status !== 201) throw new Error(`registering an endpoint failed: ${answer.status} ${answer.text}`);
      secrets.push((JSON.parse(answer.text) as { secret: string }).secret);
    }

    // Phase 1 — latency at a steady rate.
    if (WARMUP_S > 0) {
      log(`[warm-up] ${RATE}/s for ${WARMUP_S} s (not counted)`);
      const warm = await openLoop(origin, partner, RATE, WARMUP_S, 'warm-up');
      await waitForArrivals(receivers, new Set(warm.flatMap((id) => (id ? [id] : []))), warm.length * ENDPOINTS, 'warm-up');
    }
    log(`[latency] ${RATE} events/s for ${DURATION_S} s; ${load()}`);
    const measured = await openLoop(origin, partner, RATE, DURATION_S, 'measured');
    const latencyLoad = load();
    const measuredIds = measured.flatMap((id) => (id ? [id] : []));
    if (measuredIds.length !== measured.length) failures.push(`${measured.length - measuredIds.length} measured filings were not answered 201`);
    const measuredArrivals = await waitForArrivals(receivers, new Set(measuredIds), measuredIds.length * ENDPOINTS, 'measured');
    if (measuredArrivals.length !== measuredIds.length * ENDPOINTS) {
      failures.push(`latency phase: ${measuredArrivals.length} of ${measuredIds.length * ENDPOINTS} deliveries arrived within ${DELIVERY_TIMEOUT_S} s`);
    }
    const { rows: committed } = await db.query<{ request_id: string; at: string }>(
      `SELECT data->>'requestId' AS request_id, (extract(epoch FROM recorded_at) * 1000)::float8::text AS at FROM events WHERE event_type = 'AidRequestFiled' AND data->>'requestId' = ANY($1)`,
      [measuredIds],
    );
    const committedAt = new Map(committed.map((row) => [row.request_id, Number(row.at)]));
    const latency = summarize(measuredArrivals.flatMap((arrival) => {
      const at = committedAt.get(arrival.requestId);
      return at === undefined ? [] : [arrival.at - at];
    }));
    log(`[latency] event recorded_at → receiver: ${describe(latency)}; ${latencyLoad}`);
    const { rows: stages } = await db.query<{ fan_out: number; queued: number }>(
      `SELECT (extract(epoch FROM d.created_at - e.recorded_at) * 1000)::float8 AS fan_out,
              (extract(epoch FROM a.attempted_at - d.created_at) * 1000)::float8 AS queued
       FROM webhook_deliveries d JOIN events e ON e.event_id = d.event_id
       JOIN webhook_delivery_attempts a ON a.delivery_id = d.id AND a.attempt = 1
       WHERE d.request_id = ANY($1::uuid[])`,
      [measuredIds],
    );
    log(`  event recorded_at → delivery recorded by the fan-out: ${describe(summarize(stages.map((r) => r.fan_out)))}`);
    log(`  delivery recorded → first attempt recorded:          ${describe(summarize(stages.map((r) => r.queued)))}`);
    const bySecond = new Map<number, number>();
    const first = Math.min(...measuredArrivals.map((a) => a.at));
    for (const arrival of measuredArrivals) bySecond.set(Math.floor((arrival.at - first) / 1000), (bySecond.get(Math.floor((arrival.at - first) / 1000)) ?? 0) + 1);
    log(`  deliveries per second of arrival: ${[...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n).join(' ')}`);

    // Phase 2 — sustained rate from a backlog.
    log('[backlog] stopping the worker');
    await apps.worker.stop();
    log(`[backlog] filing ${BACKLOG} requests (${BACKLOG * ENDPOINTS} deliveries), ${BACKLOG_CONCURRENCY} in flight`);
    const backlog = await closedLoop(origin, partner, BACKLOG, BACKLOG_CONCURRENCY);
    const backlogIds = backlog.flatMap((id) => (id ? [id] : []));
    if (backlogIds.length !== BACKLOG) failures.push(`${BACKLOG - backlogIds.length} backlog filings were not answered 201`);
    log(`[backlog] starting the worker; ${load()}`);
    apps.worker = start('worker', workerPort, 'worker-2');
    await waitForHttpOk(`http://127.0.0.1:${workerPort}/health/ready`, apps.worker);
    const backlogArrivals = await waitForArrivals(receivers, new Set(backlogIds), backlogIds.length * ENDPOINTS, 'backlog');
    const backlogLoad = load();
    if (backlogArrivals.length !== backlogIds.length * ENDPOINTS) {
      failures.push(`backlog: ${backlogArrivals.length} of ${backlogIds.length * ENDPOINTS} deliveries arrived within ${DELIVERY_TIMEOUT_S} s`);
    }
    const times = backlogArrivals.map((arrival) => arrival.at).sort((a, b) => a - b);
    const maxPerS = times.length > 1 ? (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000) : Number.NaN;
    log(`[backlog] ${times.length} deliveries in ${((times.at(-1)! - times[0]!) / 1000).toFixed(2)} s: ${maxPerS.toFixed(0)}/s; ${backlogLoad}`);

    // Checks.
    for (const [endpoint, sample] of receivers.samples) {
      if (!signatureValid(secrets[endpoint]!, sample.headers, sample.body)) failures.push(`endpoint ${endpoint}: a message's signature does not verify`);
    }
    log(`[check] ${receivers.arrivals.length} distinct deliveries, ${receivers.repeats} repeats of a webhook-id`);
    const { rows: dead } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letters WHERE queue = 'webhooks'`);
    if ((dead[0]?.n ?? 0) > 0) failures.push(`${dead[0]?.n} webhook deliveries were dead-lettered`);

    line = {
      bench: 'webhooks',
      p50_ms: Number(latency.p50.toFixed(1)),
      p99_ms: Number(latency.p99.toFixed(1)),
      max_per_s: Math.round(maxPerS),
      bullmq_p99_ms: Number(bullmq.p99.toFixed(1)),
    };
  } finally {
    await db?.end().catch(() => undefined);
    await Promise.all([apps.api?.stop(), apps.worker?.stop()]);
    await receivers.close();
    agent.destroy();
    let cleanedUp = true;
    await dropDatabase(appDatabase).catch((error: unknown) => {
      cleanedUp = false;
      log(`could not drop ${database}: ${String(error)}`);
    });
    for (const prefix of [`${queuePrefix(APP_PREFIX)}:`, `${queuePrefix(BULLMQ_PREFIX)}:`]) {
      await deleteRedisKeys(REDIS_URL, prefix).catch((error: unknown) => {
        cleanedUp = false;
        log(`could not delete the Redis keys under ${prefix}: ${String(error)}`);
      });
    }
    rmSync(WORK_DIR, { recursive: true, force: true });
    if (cleanedUp) cleanup.disarm();
  }
  if (CPU_PROFILE_DIR !== undefined) {
    for (const file of readdirSync(CPU_PROFILE_DIR).filter((name) => name.endsWith('.cpuprofile'))) {
      const summary = summarizeCpuProfile(join(CPU_PROFILE_DIR, file));
      log(formatShares(`worker CPU profile ${file}, by package (self)`, summary.bySelfPackage));
      log(formatShares(`worker CPU profile ${file}, inclusive`, summary.byInclusiveFunction));
    }
  }

  if (firstRefusal !== undefined) failures.push(`first refused filing: ${firstRefusal}`);
  if (failures.length > 0) {
    log(`FAILED (figures not valid: ${JSON.stringify(line)}):`);
    for (const failure of failures) log(`  - ${failure}`);
    process.exitCode = 1;
    return;
  }
  const missed: string[] = [];
  if (Number(line['p99_ms']) > TARGET_P99_MS) missed.push(`p99 ${line['p99_ms']} ms > ${TARGET_P99_MS} ms`);
  if (Number(line['max_per_s']) < TARGET_PER_S) missed.push(`max_per_s ${line['max_per_s']} < ${TARGET_PER_S}`);
  log(missed.length === 0 ? `targets met (p99 <= ${TARGET_P99_MS} ms at ${RATE}/s, >= ${TARGET_PER_S} deliveries/s)` : `TARGET MISSED: ${missed.join('; ')}`);
  if (missed.length > 0 && ENFORCE_TARGETS) process.exitCode = 1;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main().catch((error: unknown) => {
  log(`bench:webhooks failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
