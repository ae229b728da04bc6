import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { testRedisUrl } from '@app/testing';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app';
import { freePort as closedPort } from '../../src/local-services/ports';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a built entry point to its end (or until `until` matches its output, then stops it). */
async function run(args: readonly string[], env: Record<string, string>, until?: RegExp): Promise<Run> {
  const child = spawn(process.execPath, [...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (until?.test(stdout)) child.kill('SIGTERM');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build-if-needed.cjs'], { stdio: 'inherit' });
  expect(build.status).toBe(0);
});

describe('start-up messages', () => {
  it('an unreachable database stops the service with one sentence naming DATABASE_URL and the address', async () => {
    const port = await closedPort();
    const result = await run(['dist/src/main.js'], {
      NODE_ENV: 'development',
      DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/cdt_fund`,
      REDIS_URL: testRedisUrl(),
      LOG_LEVEL: 'error',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `cannot reach PostgreSQL at 127.0.0.1:${port} (DATABASE_URL): connection refused. Start PostgreSQL there, or set DATABASE_URL to one that runs.`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('the token hint is printed in development, and not in production', async () => {
    const app = await createTestApp();
    try {
      // The app's own queue prefix, whose keys its close deletes (the default prefix would stay behind).
      const env = { DATABASE_URL: app.db.url, REDIS_URL: app.config.redisUrl, QUEUE_PREFIX: app.config.queuePrefix, APP_ROLE: 'api', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info' };
      const development = await run(['dist/src/main.js'], { ...env, NODE_ENV: 'development' }, /then: curl/);
      expect(development.stdout).toContain('get a token: TOKEN=$(npm run -s token -- --role partner --country CR --sub cr-csirt)');

      const { privateKey } = generateKeyPairSync('ed25519');
      const production = await run(
        ['dist/src/main.js'],
        { ...env, NODE_ENV: 'production', WEBHOOK_SECRET_KEY: 'a'.repeat(64), PERSONAL_DATA_KEY: Buffer.alloc(32, 3).toString('base64'), AUDIT_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
        /API docs/,
      );
      expect(production.stdout).toContain('listening on');
      expect(production.stdout).not.toContain('npm run -s token');
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('npm run token', () => {
  it('--help prints the usage and succeeds', async () => {
    const result = await run(['dist/src/cli/token.js', '--help'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: npm run -s token -- --role <');
  });

  it('an unknown option is refused with the usage', async () => {
    const result = await run(['dist/src/cli/token.js', '--rol', 'partner'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Unknown option '--rol'");
    expect(result.stderr).toContain('usage: npm run -s token');
  });

  it('the hinted command works when pasted into a shell', () => {
    const result = spawnSync('bash', ['-c', 'TOKEN=$(npm run -s token -- --role partner --country CR --sub cr-csirt) && echo "$TOKEN"'], {
      encoding: 'utf8',
      env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET },
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});

describe('npm run audit:verify', () => {
  it('reads its files from the folder the command was typed in', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'audit-verify-'));
    try {
      const { publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(join(folder, 'key.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(folder, 'export.ndjson'), '');
      // npm names the caller's folder in INIT_CWD and runs the script from the package's own folder.
      const result = await run(['dist/src/cli/audit-verify.js', 'export.ndjson', 'key.pem'], { INIT_CWD: folder });
      expect(result.stderr).not.toContain('ENOENT');
      expect(result.code).not.toBe(2);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('answers a newcomer can act on', () => {
  let t: TestApp;
  let redisPort: number;

  beforeAll(async () => {
    redisPort = await closedPort();
    t = await createTestApp({ env: { APP_ROLE: 'api', REDIS_URL: `redis://127.0.0.1:${redisPort}` } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('/health/ready says Redis was refused, where, and which variable names it', async () => {
    const response = await t.request({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).checks.redis).toEqual({ status: 'down', error: `refused at 127.0.0.1:${redisPort} (REDIS_URL)` });
  });

  it('a token that is not a JWT is answered with problem+json', async () => {
    const response = await t.request({ method: 'GET', url: '/v1/aid-requests', headers: { authorization: 'Bearer {"role":"admin"}' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(response.body).detail).toBe('the Authorization header must be "Bearer " followed by a token (a JWT)');
  });

  it('no checkpoint yet says when the first one will come', async () => {
    const auditor = await t.token('auditor');
    const response = await t.request({ method: 'GET', url: '/v1/audit/checkpoints/latest', headers: { authorization: `Bearer ${auditor}` } });
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).detail).toBe(
      'no checkpoint has been signed yet: the sealer signs the first one 5 s after the first events (CHECKPOINT_INTERVAL_MS), ' +
        'or as soon as 1000 events wait (CHECKPOINT_MAX_EVENTS)',
    );
  });

  it('a field of the wrong type gets one message: its type', async () => {
    const partner = await t.token('partner', { country: 'CR' });
    const response = await t.request({
      method: 'POST',
      url: '/v1/aid-requests',
      headers: { authorization: `Bearer ${partner}` },
      payload: incidentBody({ title: 5, amountRequested: '12' }),
    });
    expect(response.statusCode).toBe(400);
    const { errors } = JSON.parse(response.body) as { errors: { field: string; message: string }[] };
    expect(errors.filter((e) => e.field === 'title')).toEqual([{ field: 'title', message: 'title must be a string' }]);
    expect(errors.filter((e) => e.field === 'amountRequested')).toEqual([{ field: 'amountRequested', message: 'amountRequested must be an integer number' }]);
  });

  it('an array where an object goes, inside an array of objects, is a 400 naming it (found by the hostile-input test)', async () => {
    const partner = await t.token('partner', { country: 'CR' });
    const response = await t.request({
      method: 'POST',
      url: '/v1/aid-requests',
      headers: { authorization: `Bearer ${partner}` },
      payload: capacityBody({}, { milestones: [[]] }),
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).errors).toEqual([{ field: 'capacity.milestones', message: 'each value in milestones must be an object' }]);
  });

  it('a value of the right type out of range still names its range', async () => {
    const partner = await t.token('partner', { country: 'CR' });
    const response = await t.request({
      method: 'POST',
      url: '/v1/aid-requests',
      headers: { authorization: `Bearer ${partner}` },
      payload: incidentBody({ title: 'abc', amountRequested: 0 }),
    });
    expect(response.statusCode).toBe(400);
    const { errors } = JSON.parse(response.body) as { errors: { field: string; message: string }[] };
    expect(errors).toEqual([
      { field: 'title', message: 'title must be longer than or equal to 5 characters' },
      { field: 'amountRequested', message: 'amountRequested must not be less than 1' },
    ]);
  });
});
