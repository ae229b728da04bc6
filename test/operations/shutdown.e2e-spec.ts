import { createTestDatabase, eventually, testRedisUrl, type TestDatabase } from '@app/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import pg from 'pg';
import { mintToken } from '../../src/auth/dev-token';
import { incidentBody } from '../support/requests';
import { deleteQueueKeys, TEST_JWT_SECRET } from '../support/test-app';
import { buildIfNeeded, ServiceProcess } from '../support/service-process';

const GRACE_MS = 8_000;
const REDIS_URL = testRedisUrl();

function startService(db: TestDatabase, prefix: string): Promise<ServiceProcess> {
  return ServiceProcess.start({
    databaseUrl: db.url,
    queuePrefix: prefix,
    env: { APP_ROLE: 'all', SHUTDOWN_GRACE_MS: String(GRACE_MS), RELAY_STANDBY_RETRY_MS: '500' },
  });
}

type Outcome = { kind: 'answered'; status: number; id?: string; retryAfter?: string | null; problem: boolean } | { kind: 'no_answer' };

async function file(url: string, token: string, key: string): Promise<Outcome> {
  try {
    const response = await fetch(`${url}/v1/aid-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(incidentBody({ title: `Filing ${key}` }, { sectors: [] })),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { id?: string };
    return {
      kind: 'answered',
      status: response.status,
      ...(body.id === undefined ? {} : { id: body.id }),
      retryAfter: response.headers.get('retry-after'),
      problem: (response.headers.get('content-type') ?? '').includes('application/problem+json'),
    };
  } catch {
    // Connection refused or closed: a real client retries, with the same Idempotency-Key.
    return { kind: 'no_answer' };
  }
}

beforeAll(buildIfNeeded);

describe('SIGTERM under filing load', () => {
  let db: TestDatabase;
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const service of services) await service.stop('SIGKILL');
    await deleteQueueKeys(REDIS_URL, prefix);
    await db.drop();
  });

  it('drains, exits 0 within the grace period, answers no 5xx but 503 + Retry-After, and loses nothing', async () => {
    // Each is stopped by afterAll as soon as it runs: one that fails to start must not leave the other behind.
    const first = await startService(db, prefix);
    services.push(first);
    const standby = await startService(db, prefix);
    services.push(standby);
    const token = await mintToken(new TextEncoder().encode(TEST_JWT_SECRET), { sub: 'cr-csirt', role: 'partner', country: 'CR' }, { ttlSeconds: 600 });

    const outcomes = new Map<string, Outcome[]>();
    let load = true;
    const clients = Array.from({ length: 8 }, async () => {
      while (load) {
        const key = randomUUID();
        outcomes.set(key, [await file(first.url, token, key)]);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const [code] = (await once(first.child, 'exit')) as [number | null];
    const stoppedMs = Date.now() - signalledAt;
    load = false;
    await Promise.all(clients);

    expect(code).toBe(0);
    expect(stoppedMs).toBeLessThan(GRACE_MS);
    expect(first.output).toContain('SIGTERM: finishing requests and jobs in hand');
    const answers = [...outcomes.values()].flat().filter((o): o is Extract<Outcome, { kind: 'answered' }> => o.kind === 'answered');
    expect(answers.filter((a) => a.status === 201).length).toBeGreaterThan(20);
    for (const answer of answers.filter((a) => a.status >= 500)) {
      expect(answer).toMatchObject({ status: 503, retryAfter: '2', problem: true });
    }

    // A client retries what was not answered 201 on the other process, with the same key.
    const retried = [...outcomes].filter(([, [outcome]]) => outcome?.kind !== 'answered' || outcome.status !== 201);
    for (const [key, history] of retried) history.push(await file(standby.url, token, key));
    const ids = new Map([...outcomes].map(([key, history]) => [key, history.map((o) => (o.kind === 'answered' ? o.id : undefined)).find(Boolean)]));
    expect([...ids.values()].every((id) => id !== undefined)).toBe(true);

    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const { rows } = await pool.query<{ n: number; streams: number }>(
        "SELECT count(*)::int AS n, count(DISTINCT stream_id)::int AS streams FROM events WHERE event_type = 'AidRequestFiled'",
      );
      // Exactly one request per key a client used: none lost, none filed twice.
      expect(rows[0]).toEqual({ n: outcomes.size, streams: outcomes.size });
      // The standby took the relay over: every request is triaged.
      await eventually(
        async () => {
          const triaged = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE event_type = 'AidRequestTriaged'");
          return triaged.rows[0]!.n === outcomes.size || undefined;
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      await pool.end();
    }
  }, 120_000);

  it('a second signal exits at once, even with a request still in hand', async () => {
    const service = await startService(db, prefix);
    services.push(service);
    // A request whose body never comes keeps the first shutdown waiting.
    const { port } = new URL(service.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /v1/aid-requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    socket.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    service.child.kill('SIGTERM');
    await eventually(() => service.output.includes('SIGTERM: finishing requests') || undefined);
    const secondAt = Date.now();
    service.child.kill('SIGTERM');
    const [code] = (await once(service.child, 'exit')) as [number | null];
    socket.destroy();
    expect(code).toBe(1);
    expect(Date.now() - secondAt).toBeLessThan(1_000);
    expect(service.output).toContain('SIGTERM again: exiting now');
  }, 60_000);
});
