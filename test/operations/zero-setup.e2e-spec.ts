import { testRedisUrl } from '@app/testing';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { mintToken } from '../../src/auth/dev-token';
import { RedisNotFoundError, startChildRedis } from '../../src/local-services/child-redis';
import { answers } from '../../src/local-services/ports';
import { isRunning } from '../../src/local-services/processes';
import { buildIfNeeded, ServiceProcess } from '../support/service-process';
import { incidentBody } from '../support/requests';
import { deleteQueueKeys, TEST_JWT_SECRET } from '../support/test-app';

const quiet = pino({ level: 'silent' });

/** `npm start` as a newcomer runs it: no DATABASE_URL, the data in DATA_DIR. */
function startService(dataDir: string, prefix: string): Promise<ServiceProcess> {
  return ServiceProcess.start({ queuePrefix: prefix, waitFor: 'ready', env: { NODE_ENV: 'development', DATA_DIR: dataDir } });
}

function postgresPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

beforeAll(buildIfNeeded);

describe('zero set-up: no DATABASE_URL outside production', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cdt-fund-zero-'));
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const running: ServiceProcess[] = [];

  afterAll(async () => {
    for (const service of running) await service.stop('SIGKILL');
    const pid = postgresPid(dataDir);
    if (pid !== undefined && isRunning(pid)) process.kill(pid, 'SIGINT');
    await deleteQueueKeys(testRedisUrl(), prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts an embedded PostgreSQL, stops it with the service, and reuses its data on the next start', async () => {
    const first = await startService(dataDir, prefix);
    running.push(first);
    expect(first.output).toContain(`DATABASE_URL is not set: created an embedded PostgreSQL in ${join(dataDir, 'postgres')}`);
    // Reported in the closing note: time from start to ready on a fresh data folder.
    process.stdout.write(`zero set-up: ready ${Date.now() - first.startedAt} ms after start with a new embedded database\n`);

    const token = await mintToken(new TextEncoder().encode(TEST_JWT_SECRET), { sub: 'cr-csirt', role: 'partner', country: 'CR' }, { ttlSeconds: 600 });
    const filed = await fetch(`${first.url}/v1/aid-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(incidentBody({}, { sectors: [] })),
    });
    expect(filed.status).toBe(201);
    const { id } = (await filed.json()) as { id: string };

    const pid = postgresPid(dataDir);
    expect(pid).toBeDefined();
    expect(await first.stop()).toBe(0);
    expect(isRunning(pid!)).toBe(false);

    const second = await startService(dataDir, prefix);
    running.push(second);
    expect(second.output).toContain('DATABASE_URL is not set: started an embedded PostgreSQL');
    const again = await fetch(`${second.url}/v1/aid-requests/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it('a service that was killed leaves a PostgreSQL behind: the next start stops it and goes on', async () => {
    const killed = await startService(dataDir, prefix);
    running.push(killed);
    const orphan = postgresPid(dataDir)!;
    await killed.stop('SIGKILL');
    expect(isRunning(orphan)).toBe(true);

    const next = await startService(dataDir, prefix);
    running.push(next);
    expect(next.output).toContain('stopped a PostgreSQL left running by an earlier start');
    expect(isRunning(orphan)).toBe(false);
    expect(await next.stop()).toBe(0);
  }, 120_000);

  it('production and split roles need both URLs', () => {
    const env: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET, AUDIT_SIGNING_KEY: 'key.pem', WEBHOOK_SECRET_KEY: 'a'.repeat(64), PERSONAL_DATA_KEY: Buffer.alloc(32, 3).toString('base64'), REDIS_URL: testRedisUrl() };
    delete env['DATABASE_URL'];
    const production = spawnSync(process.execPath, ['dist/src/main.js'], { env, encoding: 'utf8' });
    expect(production.status).toBe(1);
    expect(production.stderr).toContain('DATABASE_URL must be set with NODE_ENV=production');

    const worker = spawnSync(process.execPath, ['dist/src/main.js'], { env: { ...env, NODE_ENV: 'development', APP_ROLE: 'worker' }, encoding: 'utf8' });
    expect(worker.status).toBe(1);
    expect(worker.stderr).toContain('DATABASE_URL must be set with APP_ROLE=worker');
  });
});

describe('a child redis-server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cdt-fund-redis-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers, keeps its data in DATA_DIR/redis, and stops with the service', async () => {
    const server = await startChildRedis(dataDir, quiet);
    const redis = new Redis(server.url);
    try {
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await redis.config('GET', 'dir')).toEqual(['dir', join(dataDir, 'redis')]);
    } finally {
      redis.disconnect();
    }
    await server.stop();
    expect(await answers('127.0.0.1', Number(new URL(server.url).port))).toBe(false);
  });

  it('one left running by a killed service is stopped at the next start', async () => {
    const leftover = await startChildRedis(dataDir, quiet);
    const pid = Number(readFileSync(join(dataDir, 'redis', 'redis-server.pid'), 'utf8'));
    const next = await startChildRedis(dataDir, quiet);
    try {
      expect(isRunning(pid)).toBe(false);
      expect(await answers('127.0.0.1', Number(new URL(leftover.url).port))).toBe(false);
    } finally {
      await next.stop();
    }
  });

  it('without redis-server on PATH, the message names both remedies', async () => {
    const failure = await startChildRedis(dataDir, quiet, { command: 'redis-server-that-is-not-installed' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RedisNotFoundError);
    expect((failure as Error).message).toContain('install Redis');
    expect((failure as Error).message).toContain('set REDIS_URL');
  });
});
