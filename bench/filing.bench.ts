/**
 * `npm run bench:filing` — HTTP load on `POST /v1/aid-requests` of the real app, beside the same
 * load on a baseline (bare NestJS + Fastify, same DTO and ValidationPipe, one plain INSERT through
 * `pg`). Each target runs in its own Node process; autocannon runs here; the targets are measured
 * one after the other, never at the same time. Progress goes to stderr; the last stdout line is
 *   {"bench":"filing","rps":N,"p50_ms":N,"p99_ms":N,"baseline_rps":N,"baseline_p99_ms":N,"ratio":N}
 *
 * The app runs as `node dist/src/main.js` with APP_ROLE=api (the API process alone, as deployed;
 * BENCH_APP_ENV_APP_ROLE=all puts the worker in the same process), the baseline as
 * `node dist/bench/filing-baseline/main.js`; each gets its own fresh database, dropped at the end.
 *
 * Correctness is checked, not assumed: every request must be answered 2xx (exit 1 otherwise), and
 * the rows written must equal the 2xx answers exactly (AidRequestFiled events — and, in the api
 * role, all events — for the app; rows for the baseline). The load is drained, not cut, at the end
 * of each phase, so no request is left in flight (see support/http-load.ts).
 *
 * Knobs (environment; the defaults are the benchmark): BENCH_CONNECTIONS (50), BENCH_DURATION_S (15),
 * BENCH_WARMUP_S (2), BENCH_DATABASE_URL (any database on the server to use; default
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_ORDER (app-first | baseline-first),
 * BENCH_APP_ENV_<NAME>=<value> (extra configuration for the app, e.g. BENCH_APP_ENV_DATABASE_POOL_SIZE=20),
 * BENCH_ENFORCE_TARGETS=1 (exit 1 when a target is missed), BENCH_PROFILE=1 (CPU profile, pg statement
 * counts and timings, event-loop utilisation of each target over the measured window; the files go to
 * BENCH_PROFILE_DIR; figures measured this way include the probe's overhead), BENCH_PROFILE_HEAP=1 (with
 * BENCH_PROFILE=1: a sampling heap profile of each target's allocations too).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintToken } from '../src/auth/dev-token';
import { appChildEnv, baseChildEnv, freePort, probeEnv, spawnNode, waitForHttpOk } from './support/child-service';
import { formatShares, summarizeCpuProfile } from './support/cpu-profile-summary';
import { cpuShares, cpuSnapshot, formatCpuShares, type CpuShares } from './support/cpu-usage';
import { runLoad, type LoadResult } from './support/http-load';
import { checkpoint, countRows, createDatabase, databaseUrl, dropDatabase } from './support/pg-admin';
import { deleteRedisKeys } from './support/redis-cleanup';
import type { ProbeReport } from './support/probe-preload';
import { probeRequest } from './support/probe-client';
import { appEnvFromBench, intFromEnv } from './support/env';
import { log } from './support/report';

const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 50);
const DURATION_S = intFromEnv('BENCH_DURATION_S', 15);
const WARMUP_S = intFromEnv('BENCH_WARMUP_S', 2);
const SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PROFILE = process.env['BENCH_PROFILE'] === '1';
const ENFORCE_TARGETS = process.env['BENCH_ENFORCE_TARGETS'] === '1';
const BASELINE_FIRST = process.env['BENCH_ORDER'] === 'baseline-first';

const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;

const RUN_ID = randomBytes(4).toString('hex');
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'] ?? join(tmpdir(), `cdt-fund-bench-filing-${RUN_ID}`);

/** A valid filing (docs/api.md); the country comes from the token. */
const BODY = JSON.stringify({
  kind: 'incident_response',
  title: 'Ransomware on customs and tax systems',
  description: 'Customs and tax systems encrypted; operations halted since this morning.',
  actionArea: 'countering_threats',
  amountRequested: 2500000,
  incident: { severity: 'critical', ongoing: true, detectedAt: '2026-11-27T08:00:00Z', sectors: ['government', 'finance'] },
});

const PARTNER_COUNTRIES = ['CR', 'KE', 'PH', 'GH', 'UA', 'SN', 'JM', 'MD'] as const;

interface TargetSpec {
  readonly name: 'app' | 'baseline';
  readonly entry: string;
  readonly databaseUrl: string;
  readonly readyPath: string;
  /** Row counts that must equal the number of 2xx answers exactly: one row per successful filing. */
  readonly rowChecks: readonly RowCheck[];
  /** Creates what the target expects to exist before it starts. */
  readonly prepare: () => Promise<void>;
  readonly env: (port: number) => Record<string, string>;
}

interface RowCheck {
  readonly table: string;
  readonly where?: { readonly sql: string; readonly values: readonly unknown[] };
  readonly describe: string;
}

interface TargetResult {
  readonly name: string;
  readonly warmup: LoadResult;
  readonly measured: LoadResult;
  readonly expectedRows: number;
  readonly cpu: CpuShares;
  readonly probe?: ProbeReport | undefined;
  readonly failures: readonly string[];
}

/** Distinct per request across the whole run; tokens rotate over several partner countries. */
function headerFactory(tokens: readonly string[], target: string): () => Record<string, string> {
  let sequence = 0;
  return () => {
    const n = sequence++;
    return {
      'content-type': 'application/json',
      authorization: `Bearer ${tokens[n % tokens.length]!}`,
      'idempotency-key': `bench-${RUN_ID}-${target}-${n}`,
    };
  };
}

function checkLoad(phase: string, result: LoadResult, failures: string[]): void {
  if (result.errors > 0) failures.push(`${phase}: ${result.errors} request errors (${result.timeouts} timeouts): ${result.errorSamples.join(' | ')}`);
  if (result.non2xx > 0) {
    failures.push(`${phase}: ${result.non2xx} non-2xx answers ${JSON.stringify(result.statusCounts)}: ${result.non2xxSamples.join(' | ')}`);
  }
  if (result.abandoned !== 0) failures.push(`${phase}: ${result.abandoned} requests sent but never answered`);
  if (result.completed === 0) failures.push(`${phase}: no request was answered`);
}

function describe(result: LoadResult): string {
  const l = result.latencyMs;
  return (
    `${result.completed} answers in ${(result.elapsedMs / 1000).toFixed(2)} s = ${result.rps.toFixed(0)} req/s; ` +
    `latency ms p50 ${l.p50.toFixed(1)} p90 ${l.p90.toFixed(1)} p99 ${l.p99.toFixed(1)} max ${l.max.toFixed(1)} mean ${l.mean.toFixed(1)} ` +
    `(autocannon: p50 ${result.autocannon.p50} p99 ${result.autocannon.p99}); statuses ${JSON.stringify(result.statusCounts)}`
  );
}

function printProbe(name: string, report: ProbeReport, measured: LoadResult): void {
  const perRequest = (n: number) => (n / Math.max(1, measured.completed)).toFixed(2);
  log(`  [${name}] probe over ${(report.windowMs / 1000).toFixed(1)} s: event-loop utilisation ${(report.eventLoopUtilization * 100).toFixed(0)}%, ` +
    `GC ${report.gcMs.toFixed(0)} ms in ${report.gcCount} pauses (${((report.gcMs / report.windowMs) * 100).toFixed(1)}% of the window)`);
  log(`  [${name}] pg: ${report.queries} queries = ${perRequest(report.queries)} per request; pool checkouts ${report.poolConnects} ` +
    `(${perRequest(report.poolConnects)} per request), mean wait for a pool connection ${report.poolWaitMeanMs.toFixed(2)} ms`);
  for (const s of report.statements.slice(0, 12)) {
    log(`    ${String(s.count).padStart(7)} x ${s.meanMs.toFixed(2).padStart(6)} ms  ${perRequest(s.count)}/req  ${s.statement}`);
  }
  if (report.cpuProfile !== undefined) {
    const summary = summarizeCpuProfile(report.cpuProfile, 25);
    log(`  [${name}] CPU profile ${report.cpuProfile}: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.idleMs.toFixed(0)} ms idle`);
    log(formatShares('self time by owner (package / app folder / V8):', summary.bySelfPackage));
    log(formatShares('self time by function:', summary.bySelfFunction));
    log(formatShares('inclusive time by function:', summary.byInclusiveFunction));
  }
}

async function smokeTest(origin: string, headers: Record<string, string>): Promise<string | undefined> {
  const response = await fetch(`${origin}/v1/aid-requests`, { method: 'POST', headers, body: BODY, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 201) return `smoke request answered ${response.status}: ${text.slice(0, 500)}`;
  const body = JSON.parse(text) as { id?: unknown };
  if (typeof body.id !== 'string') return `smoke request answered 201 without an id: ${text.slice(0, 500)}`;
  return undefined;
}

async function benchTarget(spec: TargetSpec, tokens: readonly string[]): Promise<TargetResult> {
  const failures: string[] = [];
  await spec.prepare();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  log(`[${spec.name}] starting ${spec.entry} on ${origin} (database ${new URL(spec.databaseUrl).pathname.slice(1)})`);
  const child = spawnNode({
    name: spec.name,
    entry: spec.entry,
    env: {
      ...spec.env(port),
      ...(PROFILE ? probeEnv(PROFILE_DIR, spec.name) : {}),
    },
    ...(PROFILE ? { nodeArgs: ['-r', join(__dirname, 'support', 'probe-preload.js')], ipc: true } : {}),
  });
  try {
    await waitForHttpOk(`${origin}${spec.readyPath}`, child);
    const headersFor = headerFactory(tokens, spec.name);
    const smokeProblem = await smokeTest(origin, headersFor());
    if (smokeProblem !== undefined) throw new Error(`[${spec.name}] ${smokeProblem}`);

    log(`[${spec.name}] warm-up: ${CONNECTIONS} connections, ${WARMUP_S} s`);
    const warmup = await runLoad({
      origin, method: 'POST', path: '/v1/aid-requests', body: BODY, connections: CONNECTIONS, durationSeconds: WARMUP_S,
      headersFor, label: `${spec.name} warm-up`,
    });
    log(`[${spec.name}] warm-up: ${describe(warmup)}`);
    checkLoad(`${spec.name} warm-up`, warmup, failures);

    await checkpoint(SERVER_URL);
    await sleep(500);
    if (PROFILE) await probeRequest(child, { probe: 'start' }, 'started');
    log(`[${spec.name}] measuring: ${CONNECTIONS} connections, ${DURATION_S} s`);
    const databaseName = decodeURIComponent(new URL(spec.databaseUrl).pathname.slice(1));
    const before = cpuSnapshot(child.pid, [databaseName]);
    const measured = await runLoad({
      origin, method: 'POST', path: '/v1/aid-requests', body: BODY, connections: CONNECTIONS, durationSeconds: DURATION_S,
      headersFor, label: spec.name,
    });
    const cpu = cpuShares(before, cpuSnapshot(child.pid, [databaseName]));
    const reply = PROFILE ? await probeRequest(child, { probe: 'stop' }, 'report') : undefined;
    const probe = reply?.probe === 'report' ? reply.report : undefined;
    log(`[${spec.name}] measured: ${describe(measured)}`);
    const cpuMsPerRequest = (cores: number) => ((cores * measured.elapsedMs) / Math.max(1, measured.completed)).toFixed(2);
    log(`[${spec.name}] ${formatCpuShares(cpu)}; CPU per request: target ${cpuMsPerRequest(cpu.target)} ms, ` +
      `its postgres backends ${cpuMsPerRequest(cpu.postgres)} ms`);
    if (cpu.other > 0.2) {
      log(`[${spec.name}] WARNING: other work used ${cpu.other.toFixed(2)} cores during the measurement: the figures are depressed by a busy machine`);
    }
    checkLoad(`${spec.name} measured`, measured, failures);
    if (probe !== undefined) printProbe(spec.name, probe, measured);

    const expectedRows = 1 + warmup.ok + measured.ok;
    log(`[${spec.name}] 2xx answers: 1 smoke + ${warmup.ok} warm-up + ${measured.ok} measured = ${expectedRows}`);
    for (const check of spec.rowChecks) {
      const rows = await countRows(spec.databaseUrl, check.table, check.where);
      log(`[${spec.name}] ${check.describe}: ${rows} rows${rows === expectedRows ? ' (= 2xx answers)' : ''}`);
      if (rows !== expectedRows) failures.push(`${spec.name}: ${rows} ${check.describe} but ${expectedRows} 2xx answers`);
    }
    if (child.exitCode() !== undefined) failures.push(`${spec.name} exited during the run (${String(child.exitCode())})`);
    return { name: spec.name, warmup, measured, expectedRows, cpu, probe, failures };
  } finally {
    await child.stop();
  }
}

async function main(): Promise<void> {
  const [load1] = loadavg();
  log(`bench:filing run ${RUN_ID}: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per target; ` +
    `1-minute load average before start ${(load1 ?? 0).toFixed(2)}`);
  if ((load1 ?? 0) > 0.7) log('WARNING: the machine is already busy; the figures will be lower than on an idle machine');
  if (PROFILE) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    log(`profiling mode: probe files in ${PROFILE_DIR}; the figures include the probe's overhead`);
  }

  const secret = randomBytes(32).toString('hex');
  const secretBytes = new TextEncoder().encode(secret);
  const tokens = await Promise.all(
    PARTNER_COUNTRIES.map((country) => mintToken(secretBytes, { sub: `bench-partner-${country.toLowerCase()}`, role: 'partner', country })),
  );

  const appDatabase = databaseUrl(SERVER_URL, `cdt_fund_bench_filing_${RUN_ID}`);
  const baselineDatabase = databaseUrl(SERVER_URL, `cdt_fund_bench_filing_${RUN_ID}_baseline`);
  const appExtraEnv = appEnvFromBench();
  if (Object.keys(appExtraEnv).length > 0) log(`extra app configuration: ${JSON.stringify(appExtraEnv)}`);
  const appRole = appExtraEnv['APP_ROLE'] ?? 'api';
  const queuePrefix = `bench-filing-${RUN_ID}`;

  const app: TargetSpec = {
    name: 'app',
    entry: join(__dirname, '..', 'src', 'main.js'),
    databaseUrl: appDatabase,
    readyPath: '/health/ready',
    // The API role alone writes exactly one event per filing. With APP_ROLE=all the worker's relay
    // and triage also append events, so only the AidRequestFiled ones can be counted exactly.
    rowChecks: [
      { table: 'events', where: { sql: 'event_type = $1', values: ['AidRequestFiled'] }, describe: 'AidRequestFiled events' },
      ...(appRole === 'api' ? [{ table: 'events', describe: 'events in all' }] : []),
    ],
    prepare: () => Promise.resolve(), // main.ts creates and migrates its database
    // The API process alone, as deployed (docker-compose runs the worker as its own service).
    env: (port) => appChildEnv({ role: appRole, port, databaseUrl: appDatabase, queuePrefix, jwtSecret: secret, extra: appExtraEnv }),
  };
  const baseline: TargetSpec = {
    name: 'baseline',
    entry: join(__dirname, 'filing-baseline', 'main.js'),
    databaseUrl: baselineDatabase,
    readyPath: '/health',
    rowChecks: [{ table: 'baseline_filings', describe: 'rows in baseline_filings' }],
    prepare: () => createDatabase(baselineDatabase),
    env: (port) => ({ ...baseChildEnv(), PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: baselineDatabase }),
  };

  const results = new Map<string, TargetResult>();
  try {
    for (const spec of BASELINE_FIRST ? [baseline, app] : [app, baseline]) {
      results.set(spec.name, await benchTarget(spec, tokens));
    }
  } finally {
    for (const url of [appDatabase, baselineDatabase]) {
      await dropDatabase(url).catch((error: unknown) => log(`could not drop ${url}: ${String(error)}`));
    }
    // The queues' keys, whatever the role: the API's producers write each queue's meta key too
    // (nine keys a run were left behind). BullMQ wraps the prefix in braces.
    const redisUrl = appExtraEnv['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
    await deleteRedisKeys(redisUrl, `{${queuePrefix}}:`).then(
      (n) => log(`deleted ${n} Redis keys of ${queuePrefix}`),
      (error: unknown) => log(`could not clean Redis: ${String(error)}`),
    );
  }

  const appResult = results.get('app')!;
  const baselineResult = results.get('baseline')!;
  const rps = appResult.measured.rps;
  const baselineRps = baselineResult.measured.rps;
  const line = {
    bench: 'filing',
    rps: Math.round(rps),
    p50_ms: Number(appResult.measured.latencyMs.p50.toFixed(1)),
    p99_ms: Number(appResult.measured.latencyMs.p99.toFixed(1)),
    baseline_rps: Math.round(baselineRps),
    baseline_p99_ms: Number(baselineResult.measured.latencyMs.p99.toFixed(1)),
    ratio: Number((rps / baselineRps).toFixed(2)),
  };

  const failures = [...appResult.failures, ...baselineResult.failures];
  if (failures.length > 0) {
    log(`FAILED (figures not valid: ${JSON.stringify(line)}):`);
    for (const failure of failures) log(`  - ${failure}`);
    process.exitCode = 1;
    return;
  }
  const missed: string[] = [];
  if (line.ratio < TARGET_RATIO) missed.push(`ratio ${line.ratio} < ${TARGET_RATIO}`);
  if (line.p99_ms > TARGET_P99_MS) missed.push(`p99 ${line.p99_ms} ms > ${TARGET_P99_MS} ms`);
  log(missed.length === 0 ? 'targets met (ratio >= 0.5, p99 <= 50 ms)' : `TARGET MISSED: ${missed.join('; ')}`);
  if (missed.length > 0 && ENFORCE_TARGETS) process.exitCode = 1;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main().catch((error: unknown) => {
  log(`bench:filing failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
