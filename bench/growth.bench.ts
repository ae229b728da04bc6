/**
 * `npm run bench:growth` — does the cost of a request grow with the history behind it? The same
 * measurements on a log that already holds BENCH_GROWTH_SMALL (10,000) events and on one that
 * holds BENCH_GROWTH_LARGE (1,000,000), in one run; the small log is the baseline. Progress goes to
 * stderr; the last stdout line is
 *   {"bench":"growth","filing_p99_ratio":N,"triage_p99_ratio":N,"proof_p99_ratio":N,
 *    "events_small":N,"events_large":N,"filing_p99_ms_small":N,"filing_p99_ms_large":N,
 *    "triage_p99_ms_small":N,"triage_p99_ms_large":N,"proof_p99_ms_small":N,"proof_p99_ms_large":N,
 *    …p50s of each, cpu_ms_per_filing_small/large, cpu_ms_per_proof_small/large, rate,
 *    generate_s_large, seal_s_large}
 * where each ratio is the large log's p99 over the small log's. Targets (printed;
 * BENCH_ENFORCE_TARGETS=1 exits 1 when one is missed): filing_p99_ratio ≤ 1.25,
 * triage_p99_ratio ≤ 1.25, proof_p99_ratio ≤ 2.0 (a proof's audit path grows with log2 of the
 * tree: 20 levels against about 15 for the small log with the load's events, so it may cost
 * somewhat more; a filing or a triage may not).
 *
 * For each size in turn, small first, in a database of its own (cdt_fund_bench_growth_<run>_<size>)
 * with queues of its own:
 *  1. History (not measured; generate_s reported): the database migrated
 *     (src/database/prepare-database.ts), the events generated in SQL as bench:audit does
 *     (support/generated-log.ts: ≈ 600 bytes of JSON each, BENCH_EVENTS_PER_STREAM per stream, of a
 *     type no reaction handles), recorded a month before now and ending there: old history, which
 *     no time window of the service looks at. The relay's and the notifications' checkpoints are
 *     stored at the end of that log, as if they had handled it long ago, so neither reads it (the
 *     relay would otherwise read a million events to queue nothing). The worker
 *     (`dist/src/worker.js`, a fresh Ed25519 AUDIT_SIGNING_KEY) is started and SEALS the whole
 *     history: audit ledger, Merkle tree and checkpoints, as a service that has run for a while
 *     has them (seal_s reported). Then ANALYZE of the audit tables (events and streams were
 *     analyzed after generation) and a CHECKPOINT, so that the measured phases pay neither for
 *     missing statistics nor for flushing the history's pages.
 *  2. Filing and triage: the api (`dist/src/main.js`, APP_ROLE=api) is started beside the worker,
 *     both from a private copy of dist/ (support/dist-snapshot.ts). One smoke filing, then
 *     bench:triage's open-loop load (support/filing-load.ts: incident and capacity requests
 *     alternately over 20 partner countries, each with its own Idempotency-Key): BENCH_WARMUP_S at
 *     BENCH_RATE, not counted (support/triage-warmup.ts), then BENCH_DURATION_S at BENCH_RATE,
 *     measured. filing p99 = request sent → whole 201 received; triage p99 = recorded_at of the
 *     request's AidRequestTriaged − the 201's arrival, as bench:triage measures it.
 *  3. Proofs: once the sealer has sealed and checkpointed every event of the log as it is then
 *     (history and load), BENCH_PROOF_WARMUP then BENCH_PROOF_REQUESTS
 *     GET /v1/audit/events/:position/proof?treeSize=<that checkpoint's size> for positions of
 *     uniformly random events of that tree (drawn by seq), closed loop, BENCH_PROOF_CONCURRENCY in
 *     flight, auditor token (src/auth/dev-token.ts), as bench:audit does. Pinned to one checkpoint
 *     because the log goes on growing meanwhile: the app paces capacity requests' follow-ups
 *     (scoring, review round) at 20 requests/s, so their events trail the load by a minute or
 *     more, and the worker seals them while the proofs run, at either size alike.
 *
 * Correctness is checked, not assumed (exit 1, no JSON line): the history sealed whole (ledger
 * rows, Merkle nodes, a checkpoint of its size), every filing answered 201, every filed request
 * triaged exactly once, no triage job dead-lettered, every proof answered 200 and every
 * BENCH_PROOF_VERIFY_EVERY-th one verified against the checkpoint the proofs are pinned to (whose
 * signed note must verify with our key), no app process exited. CPU by process is printed for the measured windows
 * (with a WARNING when other work took more than a fifth of a core: the machine is shared) and the
 * load average beside every figure. Because a p99 on a shared machine moves with whatever else
 * runs, the JSON also carries the app's own CPU per request at each size (cpu_ms_per_filing: api,
 * worker and their Postgres backends over the load and its drain; cpu_ms_per_proof: api and its
 * backends), which depends much less on the machine's load: if the cost grows with history, it
 * shows there too. Each size's database and Redis keys are removed once it is measured, and
 * everything by an exit hook on failure or Ctrl-C.
 *
 * Knobs (environment; the defaults are the benchmark): BENCH_GROWTH_SMALL (10000),
 * BENCH_GROWTH_LARGE (1000000), BENCH_RATE (200), BENCH_DURATION_S (60), BENCH_WARMUP_S (10),
 * BENCH_TRIAGE_TIMEOUT_S (30), BENCH_EVENTS_PER_STREAM (10), BENCH_GENERATE_CHUNK (50000),
 * BENCH_SEAL_TIMEOUT_S (1800), BENCH_PROOF_REQUESTS (5000), BENCH_PROOF_WARMUP (500),
 * BENCH_PROOF_CONCURRENCY (10), BENCH_PROOF_VERIFY_EVERY (10), BENCH_DATABASE_URL (any database on
 * the server; default postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL
 * (redis://127.0.0.1:6379), BENCH_APP_ENV_<NAME>=<value> (extra configuration for both app
 * processes), BENCH_ENFORCE_TARGETS=1.
 */
import { generateKeyPairSync, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { mintToken } from '../src/auth/dev-token';
import { prepareDatabase } from '../src/database/prepare-database';
import { NOTIFICATIONS_CONSUMER } from '../src/notifications/fan-out/notification-fan-out.service';
import { queuePrefix } from '../src/queues/redis-connection';
import { RELAY_CONSUMER } from '../src/relay/relay.service';
import { cpuWindowFigures, cpuWindowStart, type AppProcesses, type CpuWindowFigures } from './support/app-cpu-window';
import { analyzeAfterSeal, checkSealedLedger, waitUntilSealed } from './support/audit-ledger';
import { checkProofs, proofLoad, verifiedLatestCheckpoint } from './support/audit-proofs';
import { appChildEnv, freePort, spawnApp, waitForHttpOk, type AppRole, type ChildService } from './support/child-service';
import { snapshotDist } from './support/dist-snapshot';
import { appEnvFromBench, intFromEnv } from './support/env';
import { armExitCleanup } from './support/exit-cleanup';
import { checkFilings, DEFAULT_FILING_MIX, FilingClient, FilingFactory, partnerTokens, type Filing } from './support/filing-load';
import { generateLog, parkConsumersAtEnd } from './support/generated-log';
import { checkpoint, databaseUrl, dropDatabase } from './support/pg-admin';
import { deleteRedisKeys } from './support/redis-cleanup';
import { describeSummary, load, log, summarize, type Summary } from './support/report';
import { checkTriagedExactlyOnce, filedStreamIds, streamIdOf, streamTimes, triageLatencies, waitUntilTriaged } from './support/triage-outcome';
import { warmUp } from './support/triage-warmup';

const SMALL = intFromEnv('BENCH_GROWTH_SMALL', 10_000);
const LARGE = intFromEnv('BENCH_GROWTH_LARGE', 1_000_000);
const RATE = intFromEnv('BENCH_RATE', 200);
// 60 s: 12,000 requests, so that each p99 is the 120th slowest, not the 40th. Over 20 s the ratios
// of five runs on one machine went from 0.48 to 1.40 while, in each run, the CPU per filing of the
// two sizes differed by 2.4 % at most (5.81-6.21 ms): one stall of the machine decided them.
const DURATION_S = intFromEnv('BENCH_DURATION_S', 60);
const WARMUP_S = intFromEnv('BENCH_WARMUP_S', 10, 0);
const TRIAGE_TIMEOUT_S = intFromEnv('BENCH_TRIAGE_TIMEOUT_S', 30);
const EVENTS_PER_STREAM = intFromEnv('BENCH_EVENTS_PER_STREAM', 10);
const GENERATE_CHUNK = intFromEnv('BENCH_GENERATE_CHUNK', 50_000);
const SEAL_TIMEOUT_S = intFromEnv('BENCH_SEAL_TIMEOUT_S', 1800);
const PROOF_REQUESTS = intFromEnv('BENCH_PROOF_REQUESTS', 5000);
const PROOF_WARMUP = intFromEnv('BENCH_PROOF_WARMUP', 500, 0);
const PROOF_CONCURRENCY = intFromEnv('BENCH_PROOF_CONCURRENCY', 10);
const PROOF_VERIFY_EVERY = intFromEnv('BENCH_PROOF_VERIFY_EVERY', 10);
const SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const ENFORCE_TARGETS = process.env['BENCH_ENFORCE_TARGETS'] === '1';

const TARGET_FILING_RATIO = 1.25;
const TARGET_TRIAGE_RATIO = 1.25;
const TARGET_PROOF_RATIO = 2.0;

/** The generated history ends this long before the run: older than any time window of the service. */
const HISTORY_AGE_MS = 30 * 24 * 3_600_000;
const SEAL_POLL_MS = 500;
const RUN_ID = randomBytes(4).toString('hex');
const WORK_DIR = join(tmpdir(), `cdt-fund-bench-growth-${RUN_ID}`);

type SizeLabel = 'small' | 'large';

interface Size {
  readonly label: SizeLabel;
  readonly events: number;
  readonly database: string;
  readonly databaseUrl: string;
  /** The app's QUEUE_PREFIX for this size. */
  readonly appPrefix: string;
}

function sizeOf(label: SizeLabel, events: number): Size {
  const database = `cdt_fund_bench_growth_${RUN_ID}_${label}`;
  return { label, events, database, databaseUrl: databaseUrl(SERVER_URL, database), appPrefix: `bench-growth-${RUN_ID}-${label}` };
}

/** What one run needs for every size: the build, the secrets, the tokens. */
interface RunContext {
  readonly dist: string;
  readonly jwtSecret: string;
  readonly signingKeyPem: string;
  readonly publicKey: KeyObject;
  readonly auditor: Record<string, string>;
  readonly partnerTokens: ReadonlyMap<string, string>;
  readonly extraEnv: Record<string, string>;
  /** The size being measured's app processes, for the exit hook. */
  readonly apps: AppProcesses;
}

interface SizeFigures {
  readonly filing: Summary;
  readonly triage: Summary;
  readonly proof: Summary;
  readonly generateSeconds: number;
  readonly sealSeconds: number;
  readonly loads: { readonly filing: string; readonly proof: string };
  /** CPU over the filing load and its drain (filing and triage), and over the proofs. */
  readonly cpu: { readonly filing: CpuWindowFigures; readonly proof: CpuWindowFigures };
}

/** Cleared when a size's database or Redis keys could not be removed. */
let cleanedUp = true;

/** Keep-alive sockets for the proofs, at least one per request in flight. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

async function countEvents(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
  return Number(rows[0]?.n ?? Number.NaN);
}

/**
 * Waits until every event in the log at this moment is sealed and checkpointed; returns how many
 * that is. The log does not stop growing after the load (capacity requests' follow-ups are paced
 * by the app, at 20 requests/s): the proofs are pinned to the checkpoint read then.
 */
async function waitUntilLoadSealed(db: pg.Pool, worker: ChildService, failures: string[]): Promise<number> {
  const events = await countEvents(db);
  const { last, doneAt } = await waitUntilSealed(db, worker, events, { deadline: performance.now() + 120_000, pollMs: SEAL_POLL_MS });
  if (Number.isNaN(doneAt)) failures.push(`after the load: ${last.sealed} of ${events} events sealed, latest checkpoint ${last.checkpointed}, within 120 s`);
  return events;
}

/** Draws `count` sealed events uniformly at random (by seq) and returns their global positions. */
async function randomSealedPositions(db: pg.Pool, treeSize: number, count: number): Promise<number[]> {
  const seqs = Array.from({ length: count }, () => randomInt(treeSize));
  const { rows } = await db.query<{ seq: string; position: string }>(
    'SELECT seq::text AS seq, global_position::text AS position FROM audit_ledger WHERE seq = ANY($1::bigint[])',
    [seqs],
  );
  const positionOf = new Map(rows.map((r) => [Number(r.seq), Number(r.position)]));
  return seqs.map((seq) => {
    const position = positionOf.get(seq);
    if (position === undefined) throw new Error(`seq ${seq} is not in audit_ledger (tree size ${treeSize})`);
    return position;
  });
}

async function measureSize(size: Size, run: RunContext, failures: string[]): Promise<SizeFigures> {
  const tag = `[${size.label}]`;
  log(`${tag} ${size.events} events of history in ${size.database}, queue prefix ${size.appPrefix}; ${load()}`);
  await prepareDatabase(size.databaseUrl);
  const db = new pg.Pool({ connectionString: size.databaseUrl, max: 2 });
  db.on('error', () => undefined); // the FORCE drop at the end may cut idle connections
  const { apps } = run;
  let filings: FilingClient | undefined;
  try {
    // 1. History: generated, left behind by the event-log consumers that react to events, sealed.
    const generateSeconds = await generateLog(db, {
      events: size.events,
      perStream: EVENTS_PER_STREAM,
      chunk: GENERATE_CHUNK,
      endsAt: new Date(Date.now() - HISTORY_AGE_MS),
    });
    await parkConsumersAtEnd(db, [RELAY_CONSUMER, NOTIFICATIONS_CONSUMER]);
    log(`${tag} the relay's and the notifications' checkpoints are at the end of the history: they will not read it`);

    const envFor = (role: AppRole, port: number): Record<string, string> =>
      appChildEnv({
        role,
        port,
        databaseUrl: size.databaseUrl,
        redisUrl: REDIS_URL,
        queuePrefix: size.appPrefix,
        jwtSecret: run.jwtSecret,
        dataDir: join(WORK_DIR, size.label, 'data'),
        extra: { AUDIT_SIGNING_KEY: run.signingKeyPem, ...run.extraEnv },
      });
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    log(`${tag} [seal] starting the worker; ${load()}`);
    const spawnedAt = performance.now();
    apps.worker = spawnApp({ dist: run.dist, role: 'worker', name: `worker-${size.label}`, env: envFor('worker', workerPort) });
    await waitForHttpOk(`http://127.0.0.1:${workerPort}/health/ready`, apps.worker);
    let lastLog = spawnedAt;
    const sealed = await waitUntilSealed(db, apps.worker, size.events, {
      deadline: spawnedAt + SEAL_TIMEOUT_S * 1000,
      pollMs: SEAL_POLL_MS,
      onPoll: (progress, now) => {
        if (now - lastLog < 10_000) return;
        lastLog = now;
        log(`  ${tag} sealed ${progress.sealed} of ${size.events}, latest checkpoint ${progress.checkpointed}, ` +
          `${((now - spawnedAt) / 1000).toFixed(0)} s after spawn; ${load()}`);
      },
    });
    if (Number.isNaN(sealed.doneAt)) {
      throw new Error(`${tag} seal: ${sealed.last.sealed} of ${size.events} sealed, latest checkpoint ${sealed.last.checkpointed}, within ${SEAL_TIMEOUT_S} s`);
    }
    const sealSeconds = (sealed.doneAt - spawnedAt) / 1000;
    log(`${tag} [seal] ${size.events} events sealed and checkpointed ${sealSeconds.toFixed(1)} s after the worker was spawned ` +
      `(${(size.events / sealSeconds).toFixed(0)}/s, start-up included); ${load()}`);
    await checkSealedLedger(db, size.events, failures);
    if (failures.length > 0) throw new Error(failures.join('\n'));
    await analyzeAfterSeal(db, true);
    await checkpoint(size.databaseUrl);

    // 2. Filing and triage, open loop, with the api beside the worker.
    const apiOrigin = new URL(`http://127.0.0.1:${apiPort}`);
    log(`${tag} [app] starting the api on ${apiOrigin.origin}`);
    apps.api = spawnApp({ dist: run.dist, role: 'api', name: `api-${size.label}`, env: envFor('api', apiPort) });
    await waitForHttpOk(`${apiOrigin.origin}/health/ready`, apps.api);
    filings = new FilingClient(apiOrigin, new FilingFactory(run.partnerTokens, { ...DEFAULT_FILING_MIX, idempotencyKeyPrefix: `bench-growth-${RUN_ID}-${size.label}` }));

    const smoke = await filings.file('smoke');
    checkFilings(`${tag} smoke`, [smoke], failures);
    if (failures.length > 0) throw new Error(failures.join('\n'));
    if ((await waitUntilTriaged(db, [streamIdOf(smoke.id!)], 15_000, 'smoke')) !== 1) {
      throw new Error(`${tag} smoke: the request filed was not triaged within 15 s: is the relay or the triage worker running?`);
    }
    log(`${tag} [smoke] filed and triaged`);
    const allFilings: Filing[] = [smoke];
    if (WARMUP_S > 0) allFilings.push(...(await warmUp(filings, db, { rate: RATE, seconds: WARMUP_S, triageTimeoutS: TRIAGE_TIMEOUT_S }, failures)));
    await sleep(500);
    log(`${tag} [latency] measuring: ${RATE}/s for ${DURATION_S} s; ${load()}`);
    const filingCpu = cpuWindowStart(apps, size.database);
    const measured = await filings.openLoop('measured', RATE, DURATION_S);
    allFilings.push(...measured);
    checkFilings(`${tag} measured`, measured, failures);
    const measuredIds = filedStreamIds(measured);
    const triaged = await waitUntilTriaged(db, measuredIds, TRIAGE_TIMEOUT_S * 1000, 'measured');
    const filingCpuFigures = cpuWindowFigures(filingCpu, apps, size.database, measured.length);
    log(`${tag} [latency] CPU over the load and the drain: ${filingCpuFigures.text}`);
    if (triaged !== measuredIds.length) failures.push(`${tag} measured: only ${triaged} of ${measuredIds.length} requests triaged within ${TRIAGE_TIMEOUT_S} s of the last 201`);
    const filingLoadAvg = load();
    const filing = summarize(measured.map((f) => f.httpMs));
    const triage = summarize(triageLatencies(measured, await streamTimes(db, measuredIds)));
    log(`${tag} [latency] filing (request sent → 201 received): ${describeSummary(filing)}; ${filingLoadAvg}`);
    log(`${tag} [latency] filed (201 arrived) → AidRequestTriaged recorded_at: ${describeSummary(triage)}`);

    // 3. Inclusion proofs over the whole sealed log.
    const loadSealed = await waitUntilLoadSealed(db, apps.worker, failures);
    const latest = await verifiedLatestCheckpoint(agent, apiOrigin, run.auditor, run.publicKey, undefined);
    if (latest.treeSize < loadSealed) failures.push(`${tag} proof: the latest checkpoint covers ${latest.treeSize} events, fewer than the ${loadSealed} sealed`);
    const positions = await randomSealedPositions(db, latest.treeSize, PROOF_WARMUP + PROOF_REQUESTS);
    let next = 0;
    const proofOptions = {
      agent,
      origin: apiOrigin,
      headers: run.auditor,
      concurrency: PROOF_CONCURRENCY,
      nextPosition: () => positions[next++ % positions.length]!,
      treeSize: latest.treeSize,
    };
    if (PROOF_WARMUP > 0) {
      const warmup = await proofLoad({ ...proofOptions, count: PROOF_WARMUP, keepEvery: Number.MAX_SAFE_INTEGER });
      log(`${tag} [proof] warm-up: ${PROOF_WARMUP} requests in ${(warmup.elapsedMs / 1000).toFixed(2)} s`);
      if (warmup.problems.length > 0) failures.push(`${tag} proof warm-up: answers other than 200: ${warmup.problems.join(' | ')}`);
    }
    const proofCpu = cpuWindowStart(apps, size.database);
    const proofs = await proofLoad({ ...proofOptions, count: PROOF_REQUESTS, keepEvery: PROOF_VERIFY_EVERY });
    const proofLoadAvg = load();
    const proof = summarize(proofs.latencies);
    log(`${tag} [proof] ${PROOF_REQUESTS} requests over ${latest.treeSize} sealed events in ${(proofs.elapsedMs / 1000).toFixed(2)} s ` +
      `(${((PROOF_REQUESTS * 1000) / proofs.elapsedMs).toFixed(0)}/s), concurrency ${PROOF_CONCURRENCY}: ${describeSummary(proof)}; ${proofLoadAvg}`);
    const proofCpuFigures = cpuWindowFigures(proofCpu, apps, size.database, PROOF_REQUESTS);
    log(`${tag} [proof] CPU: ${proofCpuFigures.text}`);
    if ((proofs.statuses.get(200) ?? 0) !== PROOF_REQUESTS) failures.push(`${tag} proof: answers other than 200: ${proofs.problems.join(' | ')}`);
    await checkProofs(db, proofs.samples, latest, failures);

    // The end-of-size checks.
    const before = failures.length;
    await checkTriagedExactlyOnce(db, filedStreamIds(allFilings), failures);
    for (let i = before; i < failures.length; i++) failures[i] = `${tag} ${failures[i]!}`;
    for (const child of [apps.api, apps.worker]) {
      if (child.exitCode() !== undefined) failures.push(`${tag} ${child.name} exited during the run (${String(child.exitCode())})`);
    }
    return {
      filing,
      triage,
      proof,
      generateSeconds,
      sealSeconds,
      loads: { filing: filingLoadAvg, proof: proofLoadAvg },
      cpu: { filing: filingCpuFigures, proof: proofCpuFigures },
    };
  } finally {
    filings?.close();
    await db.end().catch(() => undefined);
    await Promise.all([apps.api?.stop(), apps.worker?.stop()]);
    delete apps.api;
    delete apps.worker;
    await dropDatabase(size.databaseUrl).then(
      () => log(`${tag} dropped ${size.database}`),
      (error: unknown) => {
        cleanedUp = false;
        log(`${tag} could not drop ${size.database}: ${String(error)}`);
      },
    );
    await deleteRedisKeys(REDIS_URL, `${queuePrefix(size.appPrefix)}:`).then(
      (n) => log(`${tag} deleted ${n} Redis keys under ${queuePrefix(size.appPrefix)}:`),
      (error: unknown) => {
        cleanedUp = false;
        log(`${tag} could not delete the Redis keys under ${queuePrefix(size.appPrefix)}: ${String(error)}`);
      },
    );
  }
}

const ms = (v: number): number => Number(v.toFixed(2));
/** The app's CPU per filing: the api, the worker (relay, triage, the incident and capacity queues) and their Postgres backends. */
const cpuPerFiling = (f: SizeFigures): number => f.cpu.filing.perRequestMs.api + f.cpu.filing.perRequestMs.worker + f.cpu.filing.perRequestMs.postgres;
const cpuPerProof = (f: SizeFigures): number => f.cpu.proof.perRequestMs.api + f.cpu.proof.perRequestMs.postgres;
const ratio = (large: number, small: number): number => Number((large / small).toFixed(3));

async function main(): Promise<void> {
  log(`bench:growth run ${RUN_ID}: history of ${SMALL} then ${LARGE} events; filings at ${RATE}/s for ${DURATION_S} s (+${WARMUP_S} s warm-up); ` +
    `${PROOF_WARMUP} + ${PROOF_REQUESTS} proofs at concurrency ${PROOF_CONCURRENCY}; ${load()}`);
  const sizes = [sizeOf('small', SMALL), sizeOf('large', LARGE)];
  const apps: AppProcesses = {};
  const cleanup = armExitCleanup(
    {
      databaseUrls: sizes.map((s) => s.databaseUrl),
      redis: { url: REDIS_URL, prefixes: sizes.map((s) => `${queuePrefix(s.appPrefix)}:`) },
      directories: [WORK_DIR],
    },
    () => {
      for (const child of [apps.api, apps.worker]) {
        if (child !== undefined && child.exitCode() === undefined) child.process.kill('SIGKILL');
      }
    },
  );
  const failures: string[] = [];
  const figures = new Map<SizeLabel, SizeFigures>();
  const started = performance.now();
  try {
    const dist = snapshotDist(join(__dirname, '..'), join(__dirname, '..', '..', 'node_modules'), WORK_DIR);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwtSecret = randomBytes(32).toString('hex');
    const auditorToken = await mintToken(new TextEncoder().encode(jwtSecret), { sub: 'bench-auditor', role: 'auditor' });
    const extraEnv = appEnvFromBench();
    if (Object.keys(extraEnv).length > 0) log(`extra app configuration: ${JSON.stringify(extraEnv)}`);
    const run: RunContext = {
      dist,
      jwtSecret,
      signingKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      publicKey,
      auditor: { authorization: `Bearer ${auditorToken}` },
      partnerTokens: await partnerTokens(jwtSecret, DEFAULT_FILING_MIX),
      extraEnv,
      apps,
    };
    for (const size of sizes) {
      const sizeStarted = performance.now();
      figures.set(size.label, await measureSize(size, run, failures));
      log(`[${size.label}] done in ${((performance.now() - sizeStarted) / 1000).toFixed(0)} s`);
      if (failures.length > 0) break;
    }
  } finally {
    agent.destroy();
    rmSync(WORK_DIR, { recursive: true, force: true });
    // Left armed when a size's own cleanup failed: the exit hook tries again.
    if (cleanedUp) cleanup.disarm();
  }
  log(`bench:growth: ${((performance.now() - started) / 1000).toFixed(0)} s in all`);

  const small = figures.get('small');
  const large = figures.get('large');
  if (failures.length > 0 || small === undefined || large === undefined) {
    log('FAILED (no figures):');
    for (const failure of failures) log(`  - ${failure}`);
    process.exitCode = 1;
    return;
  }
  const result = {
    bench: 'growth',
    filing_p99_ratio: ratio(large.filing.p99, small.filing.p99),
    triage_p99_ratio: ratio(large.triage.p99, small.triage.p99),
    proof_p99_ratio: ratio(large.proof.p99, small.proof.p99),
    events_small: SMALL,
    events_large: LARGE,
    filing_p99_ms_small: ms(small.filing.p99),
    filing_p99_ms_large: ms(large.filing.p99),
    triage_p99_ms_small: ms(small.triage.p99),
    triage_p99_ms_large: ms(large.triage.p99),
    proof_p99_ms_small: ms(small.proof.p99),
    proof_p99_ms_large: ms(large.proof.p99),
    filing_p50_ms_small: ms(small.filing.p50),
    filing_p50_ms_large: ms(large.filing.p50),
    triage_p50_ms_small: ms(small.triage.p50),
    triage_p50_ms_large: ms(large.triage.p50),
    proof_p50_ms_small: ms(small.proof.p50),
    proof_p50_ms_large: ms(large.proof.p50),
    cpu_ms_per_filing_small: ms(cpuPerFiling(small)),
    cpu_ms_per_filing_large: ms(cpuPerFiling(large)),
    cpu_ms_per_proof_small: ms(cpuPerProof(small)),
    cpu_ms_per_proof_large: ms(cpuPerProof(large)),
    rate: RATE,
    generate_s_large: Number(large.generateSeconds.toFixed(1)),
    seal_s_large: Number(large.sealSeconds.toFixed(1)),
  };
  log(`[summary] small: filings ${small.loads.filing}, proofs ${small.loads.proof}; large: filings ${large.loads.filing}, proofs ${large.loads.proof}`);
  const noisy = [...figures].flatMap(([label, f]) =>
    (['filing', 'proof'] as const).flatMap((phase) => (f.cpu[phase].otherCores > 0.2 ? [`${label} ${phase} (other work ${f.cpu[phase].otherCores.toFixed(2)} cores)`] : [])),
  );
  if (noisy.length > 0) {
    log(`[summary] WARNING: other work on the machine during ${noisy.join(', ')}: those latencies are depressed, and the ratios compare ` +
      `two differently busy machines; cpu_ms_per_filing / cpu_ms_per_proof (the app's own CPU per request) depend much less on that`);
  }
  log(`[summary] filing p99 ${result.filing_p99_ms_small} → ${result.filing_p99_ms_large} ms, ratio ${result.filing_p99_ratio} (target ≤ ${TARGET_FILING_RATIO}) · ` +
    `triage p99 ${result.triage_p99_ms_small} → ${result.triage_p99_ms_large} ms, ratio ${result.triage_p99_ratio} (target ≤ ${TARGET_TRIAGE_RATIO}) · ` +
    `proof p99 ${result.proof_p99_ms_small} → ${result.proof_p99_ms_large} ms, ratio ${result.proof_p99_ratio} (target ≤ ${TARGET_PROOF_RATIO})`);
  const missed: string[] = [];
  if (!(result.filing_p99_ratio <= TARGET_FILING_RATIO)) missed.push(`filing_p99_ratio ${result.filing_p99_ratio} > ${TARGET_FILING_RATIO}`);
  if (!(result.triage_p99_ratio <= TARGET_TRIAGE_RATIO)) missed.push(`triage_p99_ratio ${result.triage_p99_ratio} > ${TARGET_TRIAGE_RATIO}`);
  if (!(result.proof_p99_ratio <= TARGET_PROOF_RATIO)) missed.push(`proof_p99_ratio ${result.proof_p99_ratio} > ${TARGET_PROOF_RATIO}`);
  log(missed.length === 0 ? 'targets met' : `TARGET MISSED: ${missed.join('; ')}`);
  if (missed.length > 0 && ENFORCE_TARGETS) process.exitCode = 1;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  log(`bench:growth failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
