import { createTestDatabase, eventually, type TestDatabase } from '@app/testing';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../src/local-services/ports';
import { startRedis } from '../support/own-redis';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp, type TestResponse } from '../support/test-app';

/*
 * What faces the internet: security headers, CORS, the body limit and the /v1 rate limit, shared
 * through Redis between API processes and kept per process while Redis is down.
 */

const CONSOLE = 'https://console.example.org';

function expectProblem(response: TestResponse, status: number): Record<string, unknown> {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  const body = response.json() as Record<string, unknown>;
  expect(body['status']).toBe(status);
  return body;
}

/** Until Redis answers, counts are kept per process: the shared-limit tests start once it does. */
async function redisConnected(...apps: TestApp[]): Promise<void> {
  for (const t of apps) {
    await eventually(async () => ((await t.request({ method: 'GET', url: '/health/ready' })).json().checks.redis.status === 'up' ? true : undefined));
  }
}

describe('security headers, CORS and body limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { APP_ROLE: 'api', CORS_ORIGINS: `${CONSOLE},http://localhost:5173` } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sets the security headers on every answer, API, health and errors alike', async () => {
    const partner = await t.token('partner', { country: 'CR' });
    for (const response of [
      await t.request({ method: 'GET', url: '/v1/aid-requests', headers: { authorization: `Bearer ${partner}` } }),
      await t.request({ method: 'GET', url: '/health/live' }),
      await t.request({ method: 'GET', url: '/v1/aid-requests' }),
    ]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['content-security-policy']).toContain("default-src 'self'");
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      // Outside production, no HSTS (a developer's localhost would be pinned to HTTPS).
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('answers CORS only for the origins in CORS_ORIGINS', async () => {
    const preflight = (origin: string) =>
      t.request({
        method: 'OPTIONS' as 'GET',
        url: '/v1/aid-requests',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
      });
    const allowed = await preflight(CONSOLE);
    expect(allowed.statusCode).toBeLessThan(300);
    expect(allowed.headers['access-control-allow-origin']).toBe(CONSOLE);
    expect(allowed.headers['access-control-allow-headers']).toContain('idempotency-key');
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await t.request({ method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('reads JSON bodies up to 1 MiB and refuses larger ones with 413 problem+json', async () => {
    const partner = await t.token('partner', { country: 'CR' });
    const headers = { authorization: `Bearer ${partner}` };
    // Just under 1 MiB: read and validated (a description that long is refused by the DTO, with 400).
    const under = await t.request({ method: 'POST', url: '/v1/aid-requests', headers, payload: incidentBody({ description: 'x'.repeat(1024 * 1024 - 1000) }) });
    expectProblem(under, 400);
    const over = await t.request({ method: 'POST', url: '/v1/aid-requests', headers, payload: incidentBody({ description: 'x'.repeat(1024 * 1024) }) });
    expectProblem(over, 413);
  });
});

describe('without CORS_ORIGINS', () => {
  it('answers no origin at all', async () => {
    const t = await createTestApp({ env: { APP_ROLE: 'api' } });
    try {
      const response = await t.request({
        method: 'OPTIONS' as 'GET',
        url: '/v1/aid-requests',
        headers: { origin: CONSOLE, 'access-control-request-method': 'POST' },
      });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe('in production', () => {
  it('adds Strict-Transport-Security', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const t = await createTestApp({ env: { APP_ROLE: 'api', NODE_ENV: 'production', AUDIT_SIGNING_KEY: key, WEBHOOK_SECRET_KEY: 'a'.repeat(64) } });
    try {
      const response = await t.request({ method: 'GET', url: '/health/live' });
      expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    } finally {
      await t.close();
    }
  });
});

describe('rate limits', () => {
  let db: TestDatabase;
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const env = { APP_ROLE: 'api', RATE_LIMIT_PER_MINUTE: '5', QUEUE_PREFIX: prefix };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('limits /v1 per token sub across API processes sharing Redis, with a 429 problem, Retry-After and RateLimit headers', async () => {
    const [a, b] = [await createTestApp({ database: db, env }), await createTestApp({ database: db, env })];
    try {
      await redisConnected(a, b);
      const alice = await a.token('partner', { country: 'CR', sub: 'cr-alice' });
      const bob = await a.token('partner', { country: 'CR', sub: 'cr-bob' });
      const list = (t: TestApp, token: string) => t.request({ method: 'GET', url: '/v1/aid-requests', headers: { authorization: `Bearer ${token}` } });
      const statuses: number[] = [];
      for (const t of [a, b, a, b, a]) statuses.push((await list(t, alice)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const first = await list(a, alice);
      expect(first.headers['ratelimit-limit']).toBe('5');
      const refused = await list(b, alice);
      const problem = expectProblem(refused, 429);
      expect(problem['type']).toBe('urn:cdt-fund:problem:rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(refused.headers['ratelimit-policy']).toBe('"per-minute";q=5;w=60');
      expect(refused.headers['ratelimit']).toMatch(/^"per-minute";r=0;t=\d+$/);
      // Another sub has its own allowance; health and metrics are not limited.
      expect((await list(b, bob)).statusCode).toBe(200);
      expect((await a.request({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expect((await a.request({ method: 'GET', url: '/health/live' })).headers['ratelimit-limit']).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('limits requests without a valid token per client address (a forged sub buys nothing)', async () => {
    const t = await createTestApp({ database: db, env: { ...env, QUEUE_PREFIX: `${prefix}-anon` } });
    try {
      await redisConnected(t);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        statuses.push((await t.request({ method: 'GET', url: '/v1/aid-requests', headers: { authorization: `Bearer forged.${i}.token` } })).statusCode);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await t.close();
    }
  });

  it('takes the client address from X-Forwarded-For only from the proxies TRUST_PROXY names', async () => {
    const anonymous = (t: TestApp, i: number) =>
      t.request({ method: 'GET', url: '/v1/aid-requests', headers: { authorization: `Bearer forged.${i}.token`, 'x-forwarded-for': `203.0.113.${i}` } });
    // By default a client that names a new address on every request is still one client.
    const direct = await createTestApp({ database: db, env: { ...env, QUEUE_PREFIX: `${prefix}-xff` } });
    try {
      await redisConnected(direct);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await anonymous(direct, i)).statusCode);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await direct.close();
    }
    // Behind a proxy the operator named (here: the test itself, on 127.0.0.1), each forwarded address is a client of its own.
    const proxied = await createTestApp({ database: db, env: { ...env, QUEUE_PREFIX: `${prefix}-xff-proxied`, TRUST_PROXY: '127.0.0.1' } });
    try {
      await redisConnected(proxied);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await anonymous(proxied, i)).statusCode);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401]);
    } finally {
      await proxied.close();
    }
  });

  it('keeps filing, and a per-process limit, while Redis is down', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const t = await createTestApp({ database: db, env: { ...env, QUEUE_PREFIX: `${prefix}-down`, REDIS_URL: `redis://127.0.0.1:${port}` } });
    try {
      await redisConnected(t);
      const partner = await t.token('partner', { country: 'CR', sub: 'cr-filer' });
      const fileOne = (title: string) =>
        t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${partner}` }, payload: incidentBody({ title }) });
      expect((await fileOne('Ransomware on the customs system, day 1')).statusCode).toBe(201);
      expect((await fileOne('Ransomware on the customs system, day 2')).statusCode).toBe(201);
      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));
      const statuses: number[] = [];
      for (let i = 3; i <= 8; i++) statuses.push((await fileOne(`Ransomware on the customs system, day ${i}`)).statusCode);
      // The per-process count starts afresh when Redis goes: five more filings, then 429.
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    } finally {
      redis.kill('SIGKILL');
      await t.close();
    }
  }, 60_000);
});
