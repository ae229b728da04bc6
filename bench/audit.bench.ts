/**
 * `npm run bench:audit` — the audit ledger over a large event log: how fast the real sealer seals a
 * backlog, how fast the API serves inclusion proofs and streams the export, and how fast the
 * export verifies offline, beside a bare SHA-256 loop over the same bytes measured in the same run.
 * Progress goes to stderr; the last stdout line is one JSON object:
 *   {"bench":"audit","events":N,"seal_per_s":N,"verify_per_s":N,"sha256_per_s":N,"verify_ratio":N,
 *    "proof_p99_ms":N,"export_per_s":N, …extra keys: proof_p50_ms, db_verify_per_s (when the API has
 *    GET /v1/audit/verify), seal_from_spawn_per_s, seal_batch_size, checkpoint_max_events,
 *    seal_relay_following (1 or 0), generate_s}
 * Targets (printed; BENCH_ENFORCE_TARGETS=1 exits 1 when one is missed): seal ≥ 20,000/s,
 * verify ≥ 100,000/s and verify_ratio ≥ 0.3, proof p99 ≤ 20 ms, export ≥ 50,000/s.
 *
 *  0. Setup (not measured; `generate_s` is reported): a throwaway database
 *     cdt_fund_bench_audit_<random>, migrated (src/database/prepare-database.ts); BENCH_EVENTS events
 *     generated in SQL (INSERT … SELECT FROM generate_series, one transaction per
 *     BENCH_GENERATE_CHUNK events) with bench:append's payload (an incident filing in `data`, the
 *     actor and correlation ids in `metadata`: ≈ 600 bytes as compact JSON, ≈ 850 as Postgres prints
 *     jsonb), BENCH_EVENTS_PER_STREAM events per stream with increasing stream_version, one `streams`
 *     row per stream, of the type `BenchEventRecorded` (no relay reaction handles it: no job is ever
 *     queued); then VACUUM ANALYZE and a CHECKPOINT, so that the sealer pays neither for setting
 *     hint bits nor for flushing the generated pages.
 *  1. seal_per_s: the real SealerService in the worker role as deployed (`dist/src/worker.js`,
 *     APP_ROLE=worker, a fresh Ed25519 AUDIT_SIGNING_KEY, its own QUEUE_PREFIX), with the app's
 *     RELAY_BATCH_SIZE (also the sealer's batch size; default 500: larger batches were measured to
 *     change nothing, the sealer is CPU-bound) and CHECKPOINT_MAX_EVENTS (default 1000), unless
 *     BENCH_APP_ENV_* says otherwise; both are reported. The database is polled every 200 ms
 *     (max(seq) + 1 of audit_ledger and max tree_size of audit_checkpoints: index lookups, never a
 *     count); seal_per_s = the events sealed after the first poll that saw a sealed row / the time
 *     from that poll to the one that saw all N rows AND a checkpoint of tree size N (the worker's
 *     start-up left out; the rate from spawn is reported too, and a cross-check from the
 *     checkpoints' own signed_at printed). Checked: N ledger rows, N − popcount(N) Merkle nodes
 *     above the leaves, a checkpoint of size N.
 *     The relay runs in the same worker process and follows the same log: it reads every generated
 *     event (in its own batches, queueing nothing) and competes with the sealer for that process's
 *     event loop, the machine's 2 cores and Postgres — which is what a backlog looks like in
 *     production, but it lowers the sealer's figure. The relay's progress and the worker's CPU are
 *     printed. BENCH_RELAY=skip stores the relay's checkpoint at the end of the generated log before
 *     the worker starts (the relay then sits idle): the sealer alone, in the same process.
 *     Then ANALYZE of the audit tables (not measured; see analyzeAfterSeal; BENCH_ANALYZE=0 skips it).
 *  2. proof_p99_ms: the worker is stopped and the API role started (`dist/src/main.js`, APP_ROLE=api,
 *     the same key). After checking that GET /v1/audit/public-key serves our key and that the latest
 *     checkpoint's signed note verifies with it: BENCH_PROOF_WARMUP (during which the API also reads
 *     the upper Merkle levels it holds in memory, src/audit/http/merkle-upper-level-cache.ts: the
 *     first proof starts that read), then BENCH_PROOF_REQUESTS
 *     GET /v1/audit/events/:position/proof requests for uniformly random sealed positions, closed
 *     loop, BENCH_PROOF_CONCURRENCY in flight, auditor token (src/auth/dev-token.ts), keep-alive;
 *     latency = request sent → whole body received. Every answer must be 200; every
 *     BENCH_PROOF_VERIFY_EVERY-th one is kept and, after the load, checked against audit_ledger (seq,
 *     leaf hash) and verified with `verifyInclusion` against the latest checkpoint's root.
 *  3. export_per_s: GET /v1/audit/export streamed into a file in the OS temp dir; event lines /
 *     seconds from the request to the last byte written. Checked: N event lines, seq 0 … N−1 at the
 *     ends, as many checkpoint lines as audit_checkpoints rows.
 *  4. verify_per_s and sha256_per_s, interleaved in BENCH_VERIFY_ROUNDS rounds (verify, sha256,
 *     verify, sha256 …; each figure = all its events / all its time), in this process:
 *     verify: `verifyExport` of @app/event-store over a read stream of that file (1 MiB chunks) with
 *     our public key and the latest checkpoint's tree size (as an auditor holding it would); every
 *     round must answer ok with verifiedEvents = N. sha256, the baseline: the file read into memory
 *     and split on '\n' once (not timed), then one SHA-256 per event line over exactly its bytes
 *     (checkpoint lines skipped), timed. verify_ratio = verify_per_s / sha256_per_s.
 *  5. db_verify_per_s (only when the API serves GET /v1/audit/verify; a 404 leaves it out): one
 *     request with the auditor token; verifiedEvents / seconds; must answer ok with N events.
 *
 * Correctness is checked, not assumed: any failed check prints FAILED and exits 1 without the JSON
 * line. CPU use by process is printed for every phase, with a WARNING when other work (another
 * engineer's tests: the machine is shared) took more than a fifth of a core meanwhile. The
 * database, the Redis keys of the worker's queues and the temp dir (a private copy of dist/ that
 * the children run from, their DATA_DIR, the export file) are removed at the end, also on failure,
 * and by an exit hook on SIGINT/SIGTERM.
 *
 * Knobs (environment; the defaults are the benchmark): BENCH_EVENTS (1000000; e.g. 50000 for a
 * quick run), BENCH_EVENTS_PER_STREAM (10), BENCH_GENERATE_CHUNK (50000), BENCH_PROOF_REQUESTS
 * (5000), BENCH_PROOF_WARMUP (6000), BENCH_PROOF_CONCURRENCY (10), BENCH_PROOF_VERIFY_EVERY (10),
 * BENCH_VERIFY_ROUNDS (3), BENCH_SEAL_TIMEOUT_S (1800), BENCH_RELAY (follow | skip), BENCH_ANALYZE=0,
 * BENCH_DATABASE_URL (any database on the server; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_REDIS_URL (redis://127.0.0.1:6379), BENCH_APP_ENV_<NAME>=<value> (extra configuration for
 * both app processes, e.g. BENCH_APP_ENV_RELAY_BATCH_SIZE=2000), BENCH_ENFORCE_TARGETS=1,
 * BENCH_PROFILE=1 (probe in the worker over the seal and in the API over the proofs and over the
 * export: CPU profile, pg statements, event-loop utilisation; files in BENCH_PROFILE_DIR, kept; the
 * figures then include the probe's cost), BENCH_KEEP_DATABASE=1 (the database is left behind for
 * inspection, e.g. EXPLAIN of the API's queries; drop it yourself).
 */
import { generateKeyPairSync, hash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { verifyExport, type ExportVerification } from '@app/event-store';
import { AUDIT_KEY_NAME } from '../src/audit/audit-signing-key';
import { mintToken } from '../src/auth/dev-token';
import { loadConfig } from '../src/config/env.schema';
import { prepareDatabase } from '../src/database/prepare-database';
import { queuePrefix } from '../src/queues/redis-connection';
import { RELAY_CONSUMER } from '../src/relay/relay.service';
import { analyzeAfterSeal, checkSealedLedger, ledgerProgress, waitUntilSealed } from './support/audit-ledger';
import { checkProofs, get, proofLoad, verifiedLatestCheckpoint } from './support/audit-proofs';
import { appChildEnv, freePort, spawnApp, waitForHttpOk, type AppRole, type ChildService } from './support/child-service';
import { cpuShares, cpuSnapshot, formatCpuShares, type CpuShares, type CpuSnapshot } from './support/cpu-usage';
import { snapshotDist } from './support/dist-snapshot';
import { armExitCleanup } from './support/exit-cleanup';
import { GENERATED_EVENT_TYPE, generateLog, parkConsumersAtEnd } from './support/generated-log';
import { databaseUrl, dropDatabase } from './support/pg-admin';
import { probeStart, probeStop } from './support/probe-client';
import { deleteRedisKeys } from './support/redis-cleanup';
import { appEnvFromBench, intFromEnv } from './support/env';
import { load, log, percentile } from './support/report';

const EVENTS = intFromEnv('BENCH_EVENTS', 1_000_000);
const EVENTS_PER_STREAM = intFromEnv('BENCH_EVENTS_PER_STREAM', 10);
const GENERATE_CHUNK = intFromEnv('BENCH_GENERATE_CHUNK', 50_000);
const PROOF_REQUESTS = intFromEnv('BENCH_PROOF_REQUESTS', 5000);
/**
 * Requests before the measured ones. A freshly started API serves its first few thousand proofs
 * at up to twice the CPU of its steady state (measured at concurrency 10 on 1,000,000 events: API
 * CPU per proof 1.08 ms over requests 1,000–2,000, 0.46 ms after 7,000; its PostgreSQL backends
 * 0.49 → 0.31 ms) while V8 optimises the hot code and the backends and buffers warm up: 500 left
 * the measured window in that ramp. The warm-up's own latency is printed.
 */
const PROOF_WARMUP = intFromEnv('BENCH_PROOF_WARMUP', 6000, 0);
const PROOF_CONCURRENCY = intFromEnv('BENCH_PROOF_CONCURRENCY', 10);
const PROOF_VERIFY_EVERY = intFromEnv('BENCH_PROOF_VERIFY_EVERY', 10);
const SEAL_TIMEOUT_S = intFromEnv('BENCH_SEAL_TIMEOUT_S', 1800);
const VERIFY_ROUNDS = intFromEnv('BENCH_VERIFY_ROUNDS', 3);
const RELAY_MODE = process.env['BENCH_RELAY'] ?? 'follow';
if (RELAY_MODE !== 'follow' && RELAY_MODE !== 'skip') throw new Error(`BENCH_RELAY must be follow or skip (got "${RELAY_MODE}")`);
const SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const ENFORCE_TARGETS = process.env['BENCH_ENFORCE_TARGETS'] === '1';
const PROFILE = process.env['BENCH_PROFILE'] === '1';
const KEEP_DATABASE = process.env['BENCH_KEEP_DATABASE'] === '1';
const ANALYZE_AFTER_SEAL = process.env['BENCH_ANALYZE'] !== '0';

const TARGET_SEAL_PER_S = 20_000;
const TARGET_VERIFY_PER_S = 100_000;
const TARGET_VERIFY_RATIO = 0.3;
const TARGET_PROOF_P99_MS = 20;
const TARGET_EXPORT_PER_S = 50_000;

const POLL_MS = 200;
const RUN_ID = randomBytes(4).toString('hex');
const WORK_DIR = join(tmpdir(), `cdt-fund-bench-audit-${RUN_ID}`);
const APP_PREFIX = `bench-audit-${RUN_ID}`;
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'] ?? join(tmpdir(), `cdt-fund-bench-audit-${RUN_ID}-profiles`);

/** Phases during which other work used the machine (another engineer's tests, say): their figures are depressed. */
const noisyPhases: string[] = [];

/** Prints the CPU shares of a phase and remembers it when other work took more than a fifth of a core. */
function logCpu(phase: string, who: string, shares: CpuShares): void {
  log(`[${phase}] ${who}: ${formatCpuShares(shares)}`);
  if (shares.other > 0.2) {
    log(`[${phase}] WARNING: other work used ${shares.other.toFixed(2)} cores meanwhile: this phase's figure is depressed by a busy machine`);
    noisyPhases.push(`${phase} (other work ${shares.other.toFixed(2)} cores)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Sealing

interface SealResult {
  readonly perSecond: number;
  readonly fromSpawnPerSecond: number;
}

async function seal(db: pg.Pool, worker: ChildService, spawnedAt: number, database: string, failures: string[]): Promise<SealResult> {
  // Set by the poll callback (a cast, so that control flow does not assume it stays undefined).
  let first = undefined as { at: number; sealed: number; cpu: CpuSnapshot } | undefined;
  let lastLog = { at: performance.now(), sealed: 0 };
  let polls = 0;
  let pollsWithForeignWriters = 0;
  const { last, doneAt } = await waitUntilSealed(db, worker, EVENTS, {
    deadline: spawnedAt + SEAL_TIMEOUT_S * 1000,
    pollMs: POLL_MS,
    onPoll: (progress, now) => {
      polls++;
      if (progress.foreignWriters > 0) pollsWithForeignWriters++;
      if (first === undefined && progress.sealed > 0) {
        first = { at: now, sealed: progress.sealed, cpu: cpuSnapshot(worker.pid, [database]) };
        log(`  first sealed rows seen ${((now - spawnedAt) / 1000).toFixed(2)} s after spawn: ${progress.sealed}`);
        lastLog = { at: now, sealed: progress.sealed };
      }
      if (progress.sealed >= EVENTS && progress.checkpointed >= EVENTS) return;
      if (now - lastLog.at >= 5000) {
        log(`  sealed ${progress.sealed} of ${EVENTS} (${(((progress.sealed - lastLog.sealed) * 1000) / (now - lastLog.at)).toFixed(0)}/s over the last ` +
          `${((now - lastLog.at) / 1000).toFixed(1)} s), latest checkpoint ${progress.checkpointed}, relay at position ${progress.relayPosition}; ${load()}`);
        lastLog = { at: now, sealed: progress.sealed };
      }
    },
  });
  if (first === undefined || Number.isNaN(doneAt)) {
    failures.push(`seal: ${last.sealed} of ${EVENTS} sealed, latest checkpoint ${last.checkpointed}, within ${SEAL_TIMEOUT_S} s`);
    return { perSecond: Number.NaN, fromSpawnPerSecond: Number.NaN };
  }
  const cpu = cpuShares(first.cpu, cpuSnapshot(worker.pid, [database]));
  const perSecond = (EVENTS - first.sealed) / ((doneAt - first.at) / 1000);
  const fromSpawnPerSecond = EVENTS / ((doneAt - spawnedAt) / 1000);
  log(`[seal] ${EVENTS - first.sealed} events sealed in ${((doneAt - first.at) / 1000).toFixed(2)} s from the first poll that saw a sealed row: ` +
    `${perSecond.toFixed(0)}/s; from spawn (worker start-up included) ${((doneAt - spawnedAt) / 1000).toFixed(2)} s: ${fromSpawnPerSecond.toFixed(0)}/s; ${load()}`);
  logCpu('seal', `worker process (sealer + relay${RELAY_MODE === 'follow' ? '' : ', idle'})`, cpu);
  log(`[seal] ${pollsWithForeignWriters === 0 ? 'no' : pollsWithForeignWriters} of ${polls} polls saw a write transaction of another database ` +
    `(the sealer's gap-safe horizon waits for those)`);

  // The checkpoints' own clock: from the first to the last, no polling granularity.
  const { rows: span } = await db.query<{ n: number; first_size: string; last_size: string; seconds: number }>(
    `SELECT count(*)::int AS n, min(tree_size)::text AS first_size, max(tree_size)::text AS last_size,
            extract(epoch FROM max(signed_at) - min(signed_at))::float8 AS seconds FROM audit_checkpoints`,
  );
  const s = span[0]!;
  if (s.n > 1) {
    log(`[seal] cross-check: ${s.n} checkpoints, tree sizes ${s.first_size}…${s.last_size}, signed_at spans ${s.seconds.toFixed(2)} s: ` +
      `${((Number(s.last_size) - Number(s.first_size)) / s.seconds).toFixed(0)} events/s`);
  }

  await checkSealedLedger(db, EVENTS, failures);
  return { perSecond, fromSpawnPerSecond };
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** Keep-alive sockets, at least one per request in flight. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

// ---------------------------------------------------------------------------------------------
// Export

const CHECKPOINT_LINE_PREFIX = Buffer.from('{"checkpoint"', 'latin1');

/**
 * Where the event lines of the export are: byte offsets into the file, in typed arrays (not a
 * million Buffer views, which the verifier's garbage collections would have to trace too).
 */
interface ExportLines {
  readonly count: number;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  readonly checkpoints: number;
}

/** Splits the file on '\n' (each line without its newline): event lines by offset, checkpoint lines counted. */
function splitExport(file: Buffer): ExportLines {
  let capacity = 1024;
  let starts = new Float64Array(capacity);
  let ends = new Float64Array(capacity);
  let count = 0;
  let checkpoints = 0;
  for (let start = 0; start < file.length; ) {
    let end = file.indexOf(0x0a, start);
    if (end < 0) end = file.length;
    if (end > start) {
      if (file.subarray(start, Math.min(end, start + CHECKPOINT_LINE_PREFIX.length)).equals(CHECKPOINT_LINE_PREFIX)) checkpoints++;
      else {
        if (count === capacity) {
          capacity *= 2;
          const grownStarts = new Float64Array(capacity);
          const grownEnds = new Float64Array(capacity);
          grownStarts.set(starts);
          grownEnds.set(ends);
          starts = grownStarts;
          ends = grownEnds;
        }
        starts[count] = start;
        ends[count] = end;
        count++;
      }
    }
    start = end + 1;
  }
  return { count, starts, ends, checkpoints };
}

/**
 * The baseline: one SHA-256 per event line over exactly its bytes, timed. The line's Buffer view
 * is made in the loop (≈ 0.1 µs, against ≈ 4 µs to hash a kilobyte).
 */
function hashEventLines(file: Buffer, lines: ExportLines, count = lines.count): { ms: number; sink: number } {
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) sink ^= hash('sha256', file.subarray(lines.starts[i], lines.ends[i]), 'buffer')[0]!;
  return { ms: performance.now() - started, sink };
}

async function exportToFile(origin: URL, headers: Record<string, string>, file: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const request = http.request({ host: origin.hostname, port: origin.port, path: '/v1/audit/export', method: 'GET', agent, headers }, (response) => {
      if (response.statusCode !== 200) {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => reject(new Error(`GET /v1/audit/export answered ${response.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`)));
        return;
      }
      log(`  export: 200, content-type ${response.headers['content-type'] ?? '?'}, ${load()}`);
      pipeline(response, createWriteStream(file)).then(resolve, reject);
    });
    request.setTimeout(1_800_000, () => request.destroy(new Error('the export timed out after 1800 s')));
    request.on('error', reject);
    request.end();
  });
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(`bench:audit run ${RUN_ID}: ${EVENTS} events (${EVENTS_PER_STREAM} per stream), relay ${RELAY_MODE === 'follow' ? 'following the log' : 'idle (checkpoint stored at the end)'}; ` +
    `${PROOF_WARMUP} + ${PROOF_REQUESTS} proofs at concurrency ${PROOF_CONCURRENCY}; ${load()}`);
  if ((loadavg()[0] ?? 0) > 0.7) log('WARNING: the machine is already busy; the figures will be lower than on an idle machine');
  const failures: string[] = [];
  const database = `cdt_fund_bench_audit_${RUN_ID}`;
  const appDatabase = databaseUrl(SERVER_URL, database);
  const children: { worker?: ChildService; api?: ChildService } = {};
  const cleanup = armExitCleanup(
    { databaseUrls: KEEP_DATABASE ? [] : [appDatabase], redis: { url: REDIS_URL, prefixes: [`${queuePrefix(APP_PREFIX)}:`] }, directories: [WORK_DIR] },
    () => {
      for (const child of [children.worker, children.api]) {
        if (child !== undefined && child.exitCode() === undefined) child.process.kill('SIGKILL');
      }
    },
  );
  let db: pg.Pool | undefined;
  let line: Record<string, number> | undefined;
  try {
    // Setup.
    log(`[setup] creating ${database} (migrated)`);
    await prepareDatabase(appDatabase);
    db = new pg.Pool({ connectionString: appDatabase, max: 2 });
    db.on('error', () => undefined); // the FORCE drop at the end may cut idle connections
    log(`[generate] ${EVENTS} events of type ${GENERATED_EVENT_TYPE} in transactions of ${GENERATE_CHUNK}`);
    const generateSeconds = await generateLog(db, {
      events: EVENTS,
      perStream: EVENTS_PER_STREAM,
      chunk: GENERATE_CHUNK,
      endsAt: new Date(Date.now() - 60_000),
    });
    if (RELAY_MODE === 'skip') {
      await parkConsumersAtEnd(db, [RELAY_CONSUMER]);
      log(`[setup] the relay's checkpoint is at the end of the generated log: it will not read those events`);
    }

    const dist = snapshotDist(join(__dirname, '..'), join(__dirname, '..', '..', 'node_modules'), WORK_DIR);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signingKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const secret = randomBytes(32).toString('hex');
    const auditorToken = await mintToken(new TextEncoder().encode(secret), { sub: 'bench-auditor', role: 'auditor' });
    const auditor = { authorization: `Bearer ${auditorToken}` };
    const extraEnv = appEnvFromBench();
    if (Object.keys(extraEnv).length > 0) log(`extra app configuration: ${JSON.stringify(extraEnv)}`);
    const envFor = (role: 'api' | 'worker', port: number): Record<string, string> =>
      appChildEnv({
        role,
        port,
        databaseUrl: appDatabase,
        redisUrl: REDIS_URL,
        queuePrefix: APP_PREFIX,
        jwtSecret: secret,
        dataDir: join(WORK_DIR, 'data'),
        extra: { AUDIT_SIGNING_KEY: signingKeyPem, ...extraEnv },
      });
    const start = (role: AppRole, port: number): ChildService =>
      spawnApp({ dist, role, env: envFor(role, port), ...(PROFILE ? { probe: { dir: PROFILE_DIR } } : {}) });
    if (PROFILE) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      log(`profiling mode: probe files in ${PROFILE_DIR}; the figures include the probe's overhead`);
    }
    // The sealer's settings, as the app itself reads them.
    const appConfig = loadConfig(envFor('worker', 0));
    const batchSize = appConfig.eventLog.batchSize;
    const checkpointMaxEvents = appConfig.audit.checkpointMaxEvents;
    if (EVENTS % checkpointMaxEvents !== 0) {
      log(`WARNING: ${EVENTS} is not a multiple of CHECKPOINT_MAX_EVENTS (${checkpointMaxEvents}): the last checkpoint waits for ` +
        `CHECKPOINT_INTERVAL_MS (${appConfig.audit.checkpointIntervalMs} ms), which the seal time then includes`);
    }

    // 1. Sealing, by the worker role.
    const workerPort = await freePort();
    log(`[seal] starting the worker (sealer batch = RELAY_BATCH_SIZE ${batchSize}, CHECKPOINT_MAX_EVENTS ${checkpointMaxEvents}); ${load()}`);
    const spawnedAt = performance.now();
    children.worker = start('worker', workerPort);
    if (PROFILE) await probeStart(children.worker);
    const sealed = await seal(db, children.worker, spawnedAt, database, failures);
    if (PROFILE) for (const l of await probeStop(children.worker, 'the seal (from spawn)', EVENTS, 'event')) log(l);
    await children.worker.stop();
    const relay = await ledgerProgress(db);
    log(`[seal] worker stopped; the relay's checkpoint is at position ${relay.relayPosition}`);
    if (failures.length > 0) throw new Error(failures.join('\n'));
    await analyzeAfterSeal(db, ANALYZE_AFTER_SEAL);

    // 2. Proofs, by the API role.
    const apiPort = await freePort();
    const api = new URL(`http://127.0.0.1:${apiPort}`);
    log(`[api] starting the api on ${api.origin}`);
    children.api = start('api', apiPort);
    await waitForHttpOk(`${api.origin}/health/ready`, children.api);

    const checkpoint = await verifiedLatestCheckpoint(agent, api, auditor, publicKey, EVENTS);

    const { rows: range } = await db.query<{ min: string; max: string }>('SELECT min(global_position)::text AS min, max(global_position)::text AS max FROM audit_ledger');
    const minPosition = Number(range[0]!.min);
    const maxPosition = Number(range[0]!.max);
    // Uniformly random sealed positions: the generated positions are contiguous.
    const proofOptions = {
      agent,
      origin: api,
      headers: auditor,
      concurrency: PROOF_CONCURRENCY,
      nextPosition: () => minPosition + Math.floor(Math.random() * (maxPosition - minPosition + 1)),
    };
    if (PROOF_WARMUP > 0) {
      const warmup = await proofLoad({ ...proofOptions, count: PROOF_WARMUP, keepEvery: Number.MAX_SAFE_INTEGER });
      const warm = [...warmup.latencies].sort((a, b) => a - b);
      log(`[proof] warm-up: ${PROOF_WARMUP} requests in ${(warmup.elapsedMs / 1000).toFixed(2)} s = ${((PROOF_WARMUP * 1000) / warmup.elapsedMs).toFixed(0)}/s; ` +
        `latency ms p50 ${percentile(warm, 0.5).toFixed(2)} p99 ${percentile(warm, 0.99).toFixed(2)} (not counted)`);
      if (warmup.problems.length > 0) failures.push(`proof warm-up: answers other than 200: ${warmup.problems.join(' | ')}`);
    }
    if (PROFILE) await probeStart(children.api);
    const apiDatabaseCpu = cpuSnapshot(children.api.pid, [database]);
    const proofs = await proofLoad({ ...proofOptions, count: PROOF_REQUESTS, keepEvery: PROOF_VERIFY_EVERY });
    const proofCpu = cpuShares(apiDatabaseCpu, cpuSnapshot(children.api.pid, [database]));
    const proofProbe = PROFILE ? await probeStop(children.api, 'the proofs', PROOF_REQUESTS, 'request') : [];
    const sorted = [...proofs.latencies].sort((a, b) => a - b);
    const proofP50 = percentile(sorted, 0.5);
    const proofP99 = percentile(sorted, 0.99);
    log(`[proof] ${PROOF_REQUESTS} requests in ${(proofs.elapsedMs / 1000).toFixed(2)} s = ${((PROOF_REQUESTS * 1000) / proofs.elapsedMs).toFixed(0)}/s; ` +
      `latency ms p50 ${proofP50.toFixed(2)} p90 ${percentile(sorted, 0.9).toFixed(2)} p99 ${proofP99.toFixed(2)} max ${(sorted.at(-1) ?? Number.NaN).toFixed(2)}; ` +
      `statuses ${JSON.stringify(Object.fromEntries(proofs.statuses))}; ${load()}`);
    logCpu('proof', 'api process', proofCpu);
    for (const l of proofProbe) log(l);
    if ((proofs.statuses.get(200) ?? 0) !== PROOF_REQUESTS) failures.push(`proof: answers other than 200: ${proofs.problems.join(' | ')}`);
    await checkProofs(db, proofs.samples, checkpoint, failures);

    // 3. The export, streamed to a file.
    const exportFile = join(WORK_DIR, 'export.ndjson');
    log(`[export] GET /v1/audit/export → ${exportFile}`);
    if (PROFILE) await probeStart(children.api);
    const exportCpuStart = cpuSnapshot(children.api.pid, [database]);
    const exportMs = await exportToFile(api, auditor, exportFile);
    const exportCpu = cpuShares(exportCpuStart, cpuSnapshot(children.api.pid, [database]));
    const exportProbe = PROFILE ? await probeStop(children.api, 'the export', EVENTS, 'event') : [];
    const exportBytes = statSync(exportFile).size;

    const file = readFileSync(exportFile);
    const lines = splitExport(file);
    const exportPerSecond = lines.count / (exportMs / 1000);
    log(`[export] ${lines.count} event lines and ${lines.checkpoints} checkpoint lines, ${(exportBytes / 2 ** 20).toFixed(0)} MiB ` +
      `(${(exportBytes / Math.max(1, lines.count)).toFixed(0)} bytes per event) in ${(exportMs / 1000).toFixed(2)} s: ${exportPerSecond.toFixed(0)} events/s, ` +
      `${(exportBytes / 2 ** 20 / (exportMs / 1000)).toFixed(0)} MiB/s`);
    logCpu('export', 'api process', exportCpu);
    for (const l of exportProbe) log(l);
    const { rows: checkpointRows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_checkpoints');
    if (lines.count !== EVENTS) failures.push(`export: ${lines.count} event lines, expected ${EVENTS}`);
    if (lines.checkpoints !== checkpointRows[0]!.n) failures.push(`export: ${lines.checkpoints} checkpoint lines, audit_checkpoints has ${checkpointRows[0]!.n}`);
    const seqOf = (i: number): unknown =>
      i < 0 || i >= lines.count ? undefined : (JSON.parse(file.toString('utf8', lines.starts[i], lines.ends[i])) as { seq?: unknown }).seq;
    const [firstSeq, lastSeq] = [seqOf(0), seqOf(lines.count - 1)];
    if (firstSeq !== 0 || lastSeq !== EVENTS - 1) failures.push(`export: the event lines run from seq ${String(firstSeq)} to ${String(lastSeq)}, expected 0 to ${EVENTS - 1}`);

    // 4. The offline verification of that file and the bare SHA-256 baseline over the same bytes,
    // interleaved in rounds (V S V S …) so that a change in the machine's load weighs on both alike.
    hashEventLines(file, lines, Math.min(lines.count, 1000)); // warm-up of the hashing path
    let verifyMs = 0;
    let verifiedEvents = 0;
    let hashMs = 0;
    let hashed = 0;
    for (let round = 1; round <= VERIFY_ROUNDS; round++) {
      // As an auditor holding the latest checkpoint would: the export must reach that checkpoint.
      const verifyCpuStart = cpuSnapshot(children.api.pid, [database]);
      const verifyStarted = performance.now();
      const verification: ExportVerification = await verifyExport(createReadStream(exportFile, { highWaterMark: 1 << 20 }), { publicKey, keyName: AUDIT_KEY_NAME }, {
        treeSize: checkpoint.treeSize,
      });
      const ms = performance.now() - verifyStarted;
      const verifyCpu = cpuShares(verifyCpuStart, cpuSnapshot(children.api.pid, [database]));
      verifyMs += ms;
      verifiedEvents += verification.verifiedEvents;
      log(`[verify] round ${round}/${VERIFY_ROUNDS}: verifyExport over a read stream of the file (1 MiB chunks, treeSize ${checkpoint.treeSize}): ` +
        `ok ${verification.ok}, ${verification.verifiedEvents} events and ${verification.checkpoints} checkpoints in ${(ms / 1000).toFixed(2)} s: ` +
        `${((verification.verifiedEvents * 1000) / ms).toFixed(0)} events/s, ${(exportBytes / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s` +
        `${verification.firstMismatch === undefined ? '' : `; first mismatch ${JSON.stringify(verification.firstMismatch)}`}; ${load()}`);
      logCpu(`verify round ${round}`, 'this process (the "load generator"; the api idle)', verifyCpu);
      if (!verification.ok) failures.push(`verify round ${round}: not ok: ${JSON.stringify(verification.firstMismatch)}`);
      if (verification.verifiedEvents !== EVENTS) failures.push(`verify round ${round}: ${verification.verifiedEvents} events verified, expected ${EVENTS}`);

      const hashCpuStart = cpuSnapshot(children.api.pid, [database]);
      const { ms: roundHashMs, sink } = hashEventLines(file, lines);
      const hashCpu = cpuShares(hashCpuStart, cpuSnapshot(children.api.pid, [database]));
      hashMs += roundHashMs;
      hashed += lines.count;
      log(`[sha256] round ${round}/${VERIFY_ROUNDS}: ${lines.count} event lines hashed in ${(roundHashMs / 1000).toFixed(3)} s: ` +
        `${((lines.count * 1000) / roundHashMs).toFixed(0)}/s, ${(exportBytes / 2 ** 20 / (roundHashMs / 1000)).toFixed(0)} MiB/s (checksum ${sink}); ${load()}`);
      logCpu(`sha256 round ${round}`, 'this process (the "load generator"; the api idle)', hashCpu);
    }
    const verifyPerSecond = verifiedEvents / (verifyMs / 1000);
    const sha256PerSecond = hashed / (hashMs / 1000);
    log(`[verify] ${VERIFY_ROUNDS} rounds: verify ${verifyPerSecond.toFixed(0)} events/s, sha256 ${sha256PerSecond.toFixed(0)} lines/s, ` +
      `ratio ${(verifyPerSecond / sha256PerSecond).toFixed(3)}`);

    // 5. The database verification, when the API has it.
    let dbVerifyPerSecond: number | undefined;
    log(`[db-verify] GET /v1/audit/verify`);
    const dbVerify = await get(agent, api, '/v1/audit/verify', auditor, 1_800_000);
    if (dbVerify.status === 404) {
      log(`[db-verify] 404: the API has no /v1/audit/verify yet; db_verify_per_s left out`);
    } else if (dbVerify.status !== 200) {
      failures.push(`db verify: GET /v1/audit/verify answered ${dbVerify.status}${dbVerify.problem === undefined ? '' : ` (${dbVerify.problem})`}: ` +
        dbVerify.body.toString('utf8').slice(0, 500));
    } else {
      const result = JSON.parse(dbVerify.body.toString('utf8')) as { ok?: unknown; verifiedEvents?: unknown; firstMismatch?: unknown };
      const verifiedEvents = typeof result.verifiedEvents === 'number' ? result.verifiedEvents : Number.NaN;
      dbVerifyPerSecond = verifiedEvents / (dbVerify.ms / 1000);
      log(`[db-verify] ok ${String(result.ok)}, ${verifiedEvents} events verified in ${(dbVerify.ms / 1000).toFixed(2)} s: ${dbVerifyPerSecond.toFixed(0)}/s` +
        `${result.firstMismatch === undefined ? '' : `; first mismatch ${JSON.stringify(result.firstMismatch)}`}`);
      if (result.ok !== true) failures.push(`db verify: not ok: ${JSON.stringify(result.firstMismatch)}`);
      if (verifiedEvents !== EVENTS) failures.push(`db verify: ${verifiedEvents} events verified, expected ${EVENTS}`);
    }
    if (children.api.exitCode() !== undefined) failures.push(`the api exited during the run (${String(children.api.exitCode())})`);

    line = {
      events: EVENTS,
      seal_per_s: Math.round(sealed.perSecond),
      verify_per_s: Math.round(verifyPerSecond),
      sha256_per_s: Math.round(sha256PerSecond),
      verify_ratio: Number((verifyPerSecond / sha256PerSecond).toFixed(3)),
      proof_p99_ms: Number(proofP99.toFixed(2)),
      export_per_s: Math.round(exportPerSecond),
      proof_p50_ms: Number(proofP50.toFixed(2)),
      ...(dbVerifyPerSecond === undefined ? {} : { db_verify_per_s: Math.round(dbVerifyPerSecond) }),
      seal_from_spawn_per_s: Math.round(sealed.fromSpawnPerSecond),
      seal_batch_size: batchSize,
      checkpoint_max_events: checkpointMaxEvents,
      seal_relay_following: RELAY_MODE === 'follow' ? 1 : 0,
      generate_s: Number(generateSeconds.toFixed(1)),
    };
  } finally {
    await db?.end().catch(() => undefined);
    await Promise.all([children.worker?.stop(), children.api?.stop()]);
    agent.destroy();
    let cleanedUp = true;
    if (KEEP_DATABASE) log(`kept ${database} (BENCH_KEEP_DATABASE=1): drop it yourself`);
    else {
      await dropDatabase(appDatabase).then(
        () => log(`dropped ${database}`),
        (error: unknown) => {
          cleanedUp = false;
          log(`could not drop ${database}: ${String(error)}`);
        },
      );
    }
    await deleteRedisKeys(REDIS_URL, `${queuePrefix(APP_PREFIX)}:`).then(
      (n) => log(`deleted ${n} Redis keys under ${queuePrefix(APP_PREFIX)}:`),
      (error: unknown) => {
        cleanedUp = false;
        log(`could not delete the Redis keys under ${queuePrefix(APP_PREFIX)}: ${String(error)}`);
      },
    );
    rmSync(WORK_DIR, { recursive: true, force: true });
    if (cleanedUp) cleanup.disarm();
  }

  const result = { bench: 'audit', ...line };
  if (failures.length > 0) {
    log(`FAILED (figures not valid: ${JSON.stringify(result)}):`);
    for (const failure of failures) log(`  - ${failure}`);
    process.exitCode = 1;
    return;
  }
  const missed: string[] = [];
  const figure = (name: string) => Number(line?.[name] ?? Number.NaN);
  if (!(figure('seal_per_s') >= TARGET_SEAL_PER_S)) missed.push(`seal_per_s ${figure('seal_per_s')} < ${TARGET_SEAL_PER_S}`);
  if (!(figure('verify_per_s') >= TARGET_VERIFY_PER_S)) missed.push(`verify_per_s ${figure('verify_per_s')} < ${TARGET_VERIFY_PER_S}`);
  if (!(figure('verify_ratio') >= TARGET_VERIFY_RATIO)) missed.push(`verify_ratio ${figure('verify_ratio')} < ${TARGET_VERIFY_RATIO}`);
  if (!(figure('proof_p99_ms') <= TARGET_PROOF_P99_MS)) missed.push(`proof_p99_ms ${figure('proof_p99_ms')} > ${TARGET_PROOF_P99_MS}`);
  if (!(figure('export_per_s') >= TARGET_EXPORT_PER_S)) missed.push(`export_per_s ${figure('export_per_s')} < ${TARGET_EXPORT_PER_S}`);
  log(`[summary] seal ${figure('seal_per_s')}/s (target ≥ ${TARGET_SEAL_PER_S}) · verify ${figure('verify_per_s')}/s (target ≥ ${TARGET_VERIFY_PER_S}) · ` +
    `sha256 ${figure('sha256_per_s')}/s, ratio ${figure('verify_ratio')} (target ≥ ${TARGET_VERIFY_RATIO}) · proof p99 ${figure('proof_p99_ms')} ms ` +
    `(target ≤ ${TARGET_PROOF_P99_MS}) · export ${figure('export_per_s')}/s (target ≥ ${TARGET_EXPORT_PER_S})`);
  if (noisyPhases.length > 0) log(`[summary] WARNING: a busy machine depressed: ${noisyPhases.join(', ')}`);
  log(missed.length === 0 ? 'targets met' : `TARGET MISSED: ${missed.join('; ')}`);
  if (missed.length > 0 && ENFORCE_TARGETS) process.exitCode = 1;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  log(`bench:audit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
