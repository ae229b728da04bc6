import { createTestDatabase, eventually, testRedisUrl, type TestDatabase } from '@app/testing';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { mintToken } from '../../src/auth/dev-token';
import { incidentBody } from '../support/requests';
import { deleteQueueKeys, TEST_JWT_SECRET } from '../support/test-app';
import { buildIfNeeded, ServiceProcess } from '../support/service-process';

const REDIS_URL = testRedisUrl();

type LogLine = Record<string, unknown>;

describe('logs (one JSON object per line when stdout is not a terminal)', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const lines = (): LogLine[] =>
    service.output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    buildIfNeeded();
    db = await createTestDatabase();
    service = await ServiceProcess.start({ databaseUrl: db.url, queuePrefix: prefix, env: { LOG_LEVEL: 'debug' } });
  }, 60_000);
  afterAll(async () => {
    await service.stop();
    await deleteQueueKeys(REDIS_URL, prefix);
    await db.drop();
  });

  it('follows a filing from its HTTP request through its jobs by one id, and never logs credentials or contacts', async () => {
    const token = await mintToken(new TextEncoder().encode(TEST_JWT_SECRET), { sub: 'cr-csirt', role: 'partner', country: 'CR' }, { ttlSeconds: 600 });
    const response = await fetch(`${service.url}/v1/aid-requests`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        cookie: 'session=cookie-value-never-logged',
        'content-type': 'application/json',
        'x-request-id': 'log-test-1',
      },
      body: JSON.stringify(incidentBody({ contact: { name: 'Ana Mora', email: 'ana.mora@example.cr' } }, { sectors: [] })),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('log-test-1');
    const { id } = (await response.json()) as { id: string };

    // The HTTP line: once, with route, status, duration and the caller.
    const httpLines = await eventually(() => {
      const found = lines().filter((line) => line['reqId'] === 'log-test-1');
      return found.length > 0 ? found : undefined;
    });
    expect(httpLines).toHaveLength(1);
    expect(httpLines[0]).toMatchObject({
      route: '/v1/aid-requests',
      req: { method: 'POST', url: '/v1/aid-requests' },
      res: { statusCode: 201 },
      sub: 'cr-csirt',
      role: 'partner',
    });
    expect(typeof httpLines[0]!['durationMs']).toBe('number');

    // The id became the events' correlationId ...
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const { rows } = await pool.query<{ metadata: { correlationId: string } }>('SELECT metadata FROM events WHERE stream_id = $1 ORDER BY stream_version LIMIT 1', [
        `aid-request-${id}`,
      ]);
      expect(rows[0]?.metadata.correlationId).toBe('log-test-1');
    } finally {
      await pool.end();
    }
    // ... and every job that followed logs it, with its queue and job id.
    const jobLines = await eventually(() => {
      const found = lines().filter((line) => line['correlationId'] === 'log-test-1' && typeof line['queue'] === 'string');
      return found.some((line) => line['queue'] === 'incident-response') ? found : undefined;
    });
    for (const line of jobLines) {
      expect(line).toMatchObject({ requestId: 'log-test-1' });
      expect(typeof line['jobId']).toBe('string');
    }
    expect(jobLines.map((line) => line['queue'])).toEqual(expect.arrayContaining(['triage', 'incident-response']));

    expect(service.output).not.toContain(token);
    expect(service.output).not.toContain('cookie-value-never-logged');
    expect(service.output).not.toContain('ana.mora@example.cr');
    expect(service.output).not.toContain('Ana Mora');
  }, 60_000);

  it('an X-Request-Id that is not a valid id is replaced by a generated one', async () => {
    const response = await fetch(`${service.url}/health/live`, { headers: { 'x-request-id': 'not valid; has spaces' } });
    const echoed = response.headers.get('x-request-id');
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => lines().some((line) => line['reqId'] === echoed && line['route'] === '/health/live') || undefined);
  });
});
