import { createTestDatabase, eventually, testRedisUrl, type TestDatabase } from '@app/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mintToken } from '../../src/auth/dev-token';
import { buildIfNeeded, ServiceProcess } from '../support/service-process';
import { incidentBody } from '../support/requests';
import { deleteQueueKeys, TEST_JWT_SECRET } from '../support/test-app';

interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
}

/**
 * A real OTLP/HTTP receiver (JSON encoding) in the test process: the service exports its spans to
 * it exactly as it would to a collector.
 */
async function startOtlpReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[] }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const parsed = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: ReceivedSpan[] }[] }[] };
        for (const resource of parsed.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans };
}

describe('tracing (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const prefix = `test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    buildIfNeeded();
    db = await createTestDatabase();
    receiver = await startOtlpReceiver();
    service = await ServiceProcess.start({
      databaseUrl: db.url,
      queuePrefix: prefix,
      waitFor: 'ready',
      env: { LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
  }, 60_000);
  afterAll(async () => {
    await service.stop();
    receiver.server.close();
    await deleteQueueKeys(testRedisUrl(), prefix);
    await db.drop();
  });

  it('follows a filing in one trace: the POST, its command and queries, the triage job and its follow-up', async () => {
    const token = await mintToken(new TextEncoder().encode(TEST_JWT_SECRET), { sub: 'cr-csirt', role: 'partner', country: 'CR' }, { ttlSeconds: 600 });
    const filed = await fetch(`${service.url}/v1/aid-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(incidentBody({}, { severity: 'critical', sectors: [] })),
    });
    expect(filed.status).toBe(201);

    const trace = await eventually(
      () => {
        const root = receiver.spans.find((span) => span.name === 'POST /v1/aid-requests');
        if (root === undefined) return undefined;
        const inTrace = receiver.spans.filter((span) => span.traceId === root.traceId);
        const names = new Set(inTrace.map((span) => span.name));
        if (!names.has('process triage') || !names.has('process incident-response')) return undefined;
        // Spans are exported as they end, children before their parents: wait for the whole tree.
        const ids = new Set(inTrace.map((span) => span.spanId));
        const orphans = inTrace.filter((span) => span.parentSpanId !== undefined && span.parentSpanId !== '' && !ids.has(span.parentSpanId));
        if (orphans.length > 0) throw new Error(`spans whose parent is not in the trace: ${orphans.map((span) => span.name).join(', ')}`);
        return inTrace;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const names = trace.map((span) => span.name);
    expect(names).toEqual(expect.arrayContaining(['POST /v1/aid-requests', 'command FileAidRequest', 'command AutoTriage', 'process triage', 'process incident-response']));
    // PostgreSQL and Redis are in it too.
    expect(names.some((name) => name.startsWith('pg.query'))).toBe(true);
    expect(names.some((name) => name === 'evalsha' || name.startsWith('addBulk'))).toBe(true);
    // One tree: every span but the root has its parent in the trace (waited for above).
    const ids = new Set(trace.map((span) => span.spanId));
    expect(trace.filter((span) => span.parentSpanId !== undefined && span.parentSpanId !== '' && !ids.has(span.parentSpanId))).toEqual([]);
  }, 60_000);
});

describe('tracing (the OpenTelemetry SDK is loaded only when configured)', () => {
  /** Whether loading the entry points' first import, with `env`, loads the OpenTelemetry SDK. */
  function loadsSdk(env: Record<string, string>): boolean {
    const script = `require('./dist/src/tracing/register'); process.stdout.write(String(Object.keys(require.cache).some((file) => file.includes('@opentelemetry/sdk-node'))));`;
    const { PATH = '', HOME = '' } = process.env;
    const output = execFileSync(process.execPath, ['-e', script], { env: { PATH, HOME, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused', ...env }, encoding: 'utf8' });
    return output.trim() === 'true';
  }

  beforeAll(() => buildIfNeeded(), 120_000);

  it('leaves it unloaded without OTEL_EXPORTER_OTLP_ENDPOINT, and loads it with one', () => {
    expect(loadsSdk({})).toBe(false);
    expect(loadsSdk({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
  });
});
