import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '@app/testing';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { AppModule } from '../../src/app.module';
import type { Role } from '../../src/auth/actor';
import { mintToken } from '../../src/auth/dev-token';
import { Clock } from '../../src/common/clock';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/env.schema';
import { configureHttpApp, createFastifyAdapter, NEST_APP_OPTIONS } from '../../src/http/http-app';
import { mountOpenApi } from '../../src/http/openapi';
import { secureHttpApp } from '../../src/http/security';
import { mountQueueDashboard } from '../../src/admin/queue-dashboard';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
/** PERSONAL_DATA_KEY of every test app (32 bytes, base64), so that apps sharing a database read each other's contacts. */
export const TEST_PERSONAL_DATA_KEY = Buffer.alloc(32, 7).toString('base64');

/** A clock the test moves by hand. */
export class TestClock extends Clock {
  constructor(private current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date | string): void {
    this.current = new Date(to);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  readonly db: TestDatabase;
  /** A direct connection to this test file's database, for assertions on stored rows. */
  readonly pool: pg.Pool;
  readonly clock: TestClock;
  readonly baseUrl: string;
  /** Every route Fastify registered (Nest's, the queue dashboard's, the docs'), as `METHOD /url`. */
  readonly fastifyRoutes: readonly string[];
  /** An HTTP request to the running app (over a real socket, as clients see it). */
  request(options: RequestOptions): Promise<TestResponse>;
  token(role: Role, options?: { country?: string; sub?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The whole application against this test file's own database (cloned from the migrated
 * template) and its own queue prefix, with a fixed clock.
 */
export interface TestAppOptions {
  /** Environment variables on top of the test defaults (e.g. APP_ROLE, SLA_PRIORITY_1). */
  readonly env?: Record<string, string>;
  /** A fixed, hand-moved clock (default, starting at this time), or the real one for tests of timers. */
  readonly clock?: Date | 'system';
  /** Share another test app's database (e.g. a second process's worker). */
  readonly database?: TestDatabase;
  /** Serve the OpenAPI UI at /docs, as the service does (default: not mounted). */
  readonly docs?: boolean;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const env = options.env ?? {};
  const now = options.clock === 'system' ? new Date() : (options.clock ?? new Date('2026-11-28T10:00:00Z'));
  const ownsDatabase = options.database === undefined;
  const db = options.database ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: `test-${randomBytes(4).toString('hex')}`,
    JWT_SECRET: TEST_JWT_SECRET,
    PERSONAL_DATA_KEY: TEST_PERSONAL_DATA_KEY,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_SIZE: '20',
    // Tests send bursts no client may; the limit has its own tests.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...env,
  });
  const clock = new TestClock(now);
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (options.clock !== 'system') builder.overrideProvider(Clock).useValue(clock);
  const moduleRef = await builder
    .setLogger({ log() {}, error() {}, warn() {}, debug() {}, verbose() {}, fatal() {} })
    .compile();
  const app = configureHttpApp(moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config.http.trustProxy), { ...NEST_APP_OPTIONS, logger: false }));
  const fastifyRoutes: string[] = [];
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') fastifyRoutes.push(`${method} ${route.url}`);
  });
  await secureHttpApp(app, config);
  if (config.role !== 'worker') await mountQueueDashboard(app);
  if (options.docs === true) mountOpenApi(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  return {
    app,
    config,
    db,
    pool,
    clock,
    baseUrl,
    fastifyRoutes,
    request: (options) => request(baseUrl, options),
    token: (role, options = {}) =>
      mintToken(new TextEncoder().encode(TEST_JWT_SECRET), {
        sub: options.sub ?? `${role}-${options.country ?? 'x'}`,
        role,
        country: options.country,
      }),
    close: async () => {
      await app.close();
      await pool.end();
      // Every role leaves keys: the API's queue producer writes each queue's `meta` when it opens.
      await deleteQueueKeys(config.redisUrl, config.queuePrefix);
      if (ownsDatabase) await db.drop();
    },
  };
}

export interface RequestOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** An object or array is sent as JSON; a string is sent as it is. */
  readonly payload?: unknown;
}

export interface TestResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests poke at JSON answers
}

async function request(baseUrl: string, options: RequestOptions): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (typeof options.payload === 'string') body = options.payload;
  else if (options.payload !== undefined) {
    body = JSON.stringify(options.payload);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${options.url}`, { method: options.method, headers, body });
  const text = await response.text();
  return {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: text,
    json: () => JSON.parse(text),
  };
}

/** Leaves nothing behind in Redis: every key under this test app's queue prefix. */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 1_000 });
  redis.on('error', () => undefined);
  try {
    // A test may point its app at a Redis that does not exist: there is nothing to clean there.
    if (!(await redis.connect().then(() => true, () => false))) return;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
