/**
 * bench:security — what the internet-facing layer costs per request, measured against a baseline
 * in the same run and the same process.
 *
 * One API process (APP_ROLE=api, a fresh database) serves, under closed-loop load (autocannon,
 * BENCH_CONNECTIONS connections for BENCH_DURATION_S seconds each):
 *   baseline:  GET /health/live — security headers only (no rate limit, no token);
 *   limited:   GET /v1/audit/public-keys with a bearer token — the same cheap handler work plus
 *              the /v1 rate limit (token verified, cached; one Redis round trip per request);
 *   anonymous: the same without a token (limited by client address).
 * A second API process whose REDIS_URL points at a port where nothing listens serves
 *   fallback:  GET /v1/audit/public-keys with a token, counted in the process (Redis down).
 * RATE_LIMIT_PER_MINUTE is set far above the load so that every answer is a 200: the figures are
 * the cost of counting, not of refusing. The last line is JSON: each phase's rps and latency, and
 * the limited phase's throughput as a share of the baseline's.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '../src/auth/dev-token';
import { queuePrefix } from '../src/queues/redis-connection';
import { appChildEnv, freePort, spawnNode, waitForHttpOk, type ChildService } from './support/child-service';
import { intFromEnv } from './support/env';
import { armExitCleanup } from './support/exit-cleanup';
import { runLoad, type LoadResult } from './support/http-load';
import { databaseUrl, dropDatabase } from './support/pg-admin';
import { deleteRedisKeys } from './support/redis-cleanup';
import { load } from './support/report';

const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 32);
const DURATION_S = intFromEnv('BENCH_DURATION_S', 8);
const WARMUP_S = intFromEnv('BENCH_WARMUP_S', 2, 0);
const SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const RUN_ID = randomBytes(4).toString('hex');
const WORK_DIR = join(tmpdir(), `cdt-fund-bench-security-${RUN_ID}`);
const PREFIX = `bench-security-${RUN_ID}`;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Phase {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
}

function phase(result: LoadResult): Phase {
  return { rps: Math.round(result.rps), p50Ms: result.latencyMs.p50, p99Ms: result.latencyMs.p99, requests: result.completed, non2xx: result.non2xx };
}

async function measure(origin: string, path: string, label: string, headers: Record<string, string>): Promise<Phase> {
  if (WARMUP_S > 0) await runLoad({ origin, method: 'GET', path, connections: CONNECTIONS, durationSeconds: WARMUP_S, headersFor: () => headers, label: `${label} (warm-up)` });
  const result = await runLoad({ origin, method: 'GET', path, connections: CONNECTIONS, durationSeconds: DURATION_S, headersFor: () => headers, label });
  const summary = phase(result);
  log(`[${label}] ${summary.rps} req/s, p50 ${summary.p50Ms.toFixed(2)} ms, p99 ${summary.p99Ms.toFixed(2)} ms, ${summary.non2xx} non-2xx; ${load()}`);
  return summary;
}

async function main(): Promise<void> {
  log(`bench:security run ${RUN_ID}: ${CONNECTIONS} connections, ${DURATION_S} s per phase (+${WARMUP_S} s warm-up); ${load()}`);
  const database = databaseUrl(SERVER_URL, `cdt_fund_bench_security_${RUN_ID}`);
  const apps: ChildService[] = [];
  const cleanup = armExitCleanup({ databaseUrls: [database], redis: { url: REDIS_URL, prefixes: [`${queuePrefix(PREFIX)}:`] }, directories: [WORK_DIR] }, () => {
    for (const app of apps) if (app.exitCode() === undefined) app.process.kill('SIGKILL');
  });
  const failures: string[] = [];
  try {
    const secret = randomBytes(32).toString('hex');
    const token = await mintToken(new TextEncoder().encode(secret), { sub: 'bench-auditor', role: 'auditor' });
    const start = async (name: string, redisUrl: string): Promise<string> => {
      const port = await freePort();
      const env = appChildEnv({ role: 'api', port, databaseUrl: database, redisUrl, queuePrefix: PREFIX, jwtSecret: secret, dataDir: join(WORK_DIR, name) });
      const app = spawnNode({ name, entry: join(__dirname, '..', 'src', 'main.js'), env });
      apps.push(app);
      await waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, app);
      return `http://127.0.0.1:${port}`;
    };

    const origin = await start('api', REDIS_URL);
    const bearer = { authorization: `Bearer ${token}` };
    const baseline = await measure(origin, '/health/live', 'baseline: /health/live', {});
    const limited = await measure(origin, '/v1/audit/public-keys', 'limited: /v1 with a token', bearer);
    const anonymous = await measure(origin, '/v1/audit/public-keys', 'anonymous: /v1 by address', {});
    const limitedAgain = await measure(origin, '/health/live', 'baseline again', {});
    await apps[0]!.stop();

    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const fallbackOrigin = await start('api-without-redis', deadRedis);
    const fallback = await measure(fallbackOrigin, '/v1/audit/public-keys', 'fallback: /v1 with Redis down', bearer);
    await apps[1]!.stop();

    for (const [name, result] of Object.entries({ baseline, limited, anonymous, limitedAgain, fallback })) {
      if (result.non2xx > 0) failures.push(`${name}: ${result.non2xx} answers were not 2xx`);
    }
    const baselineRps = (baseline.rps + limitedAgain.rps) / 2;
    const line = {
      bench: 'security',
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      baselineRps: Math.round(baselineRps),
      baselineP99Ms: Math.max(baseline.p99Ms, limitedAgain.p99Ms),
      limitedRps: limited.rps,
      limitedP99Ms: limited.p99Ms,
      limitedShareOfBaseline: Number((limited.rps / baselineRps).toFixed(3)),
      anonymousRps: anonymous.rps,
      anonymousP99Ms: anonymous.p99Ms,
      redisDownFallbackRps: fallback.rps,
      redisDownFallbackP99Ms: fallback.p99Ms,
      load: loadavg()[0]?.toFixed(2) ?? 'n/a',
      ok: failures.length === 0,
    };
    if (failures.length > 0) log(`FAILED:\n  ${failures.join('\n  ')}`);
    process.stdout.write(`${JSON.stringify(line)}\n`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  } finally {
    for (const app of apps) await app.stop();
    await dropDatabase(database).catch((error: unknown) => log(`could not drop the database: ${String(error)}`));
    await deleteRedisKeys(REDIS_URL, `${queuePrefix(PREFIX)}:`).catch(() => 0);
    rmSync(WORK_DIR, { recursive: true, force: true });
    cleanup.disarm();
  }
}

main().catch((error: unknown) => {
  log(`bench:security failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
