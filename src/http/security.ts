import rateLimit from '@fastify/rate-limit';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { TokenVerifier } from '../auth/token-verifier';
import { ProblemException } from '../common/problem-details.filter';
import { problem } from '../common/problem-details';
import type { AppConfig } from '../config/app-config';
import { createRedisClient, queuePrefix } from '../queues/redis-connection';
import { FallbackRateLimitStore } from './fallback-rate-limit-store';

const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * The Content-Security-Policy of every answer. The API answers JSON; the only pages are the
 * OpenAPI UI at /docs and the queue dashboard at /admin/queues, both served from this origin
 * (their scripts and styles are files here; Swagger UI and Bull Board set some styles inline).
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  upgradeInsecureRequests: null,
};

/**
 * What faces the internet, registered before the routes: security headers (helmet, with HSTS in
 * production), CORS for CORS_ORIGINS only, and the /v1 rate limit per token `sub` (per client
 * address without a valid token), counted in Redis so that every API process shares it and, while
 * Redis is away, in this process (filing keeps working). Over the limit: 429 problem+json with
 * Retry-After and the IETF RateLimit headers. The body limit is the adapter's (BODY_LIMIT_BYTES).
 */
export async function secureHttpApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const headers = securityHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    hsts: config.nodeEnv === 'production' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  // On the raw answer, as helmet itself sets them: answers written past Fastify (event streams) carry them too.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      for (const [name, value] of headers.set) reply.raw.setHeader(name, value);
      for (const name of headers.removed) reply.raw.removeHeader(name);
      done();
    });

  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.http.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match', 'x-request-id', 'traceparent'],
      exposedHeaders: ['etag', 'location', 'x-request-id', 'retry-after', 'ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
      maxAge: 600,
    });
  }

  // The worker role serves health and metrics only: nothing to limit.
  if (config.role === 'worker') return;
  const verifier = app.get(TokenVerifier);
  // Auto-pipelining: the counts of the requests read in one turn of the event loop go to Redis in
  // one write and come back in one read. Under load that write was 5 % of the API's CPU per request.
  const redis = createRedisClient(config, 'producer', { connectionName: 'cdt-fund-rate-limit', commandTimeout: 500, enableAutoPipelining: true });
  redis.on('error', () => undefined); // reported by /health/ready; the limit falls back meanwhile
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onClose', (_instance, done) => {
    redis.disconnect();
    done();
  });
  const limit = config.http.rateLimitPerMinute;
  await app.register(rateLimit, {
    global: true,
    max: limit,
    timeWindow: RATE_LIMIT_WINDOW_MS,
    hook: 'onRequest',
    enableDraftSpec: true,
    store: FallbackRateLimitStore.using(redis, `${queuePrefix(config.queuePrefix)}:rate-limit:`),
    allowList: (request: FastifyRequest) => !isApiRequest(request),
    keyGenerator: (request: FastifyRequest) => rateLimitKey(request, verifier),
    errorResponseBuilder: (_request, context) =>
      new ProblemException(
        problem(429, 'rate_limited', `more than ${context.max} requests a minute; retry in ${context.after}`, {
          limit: context.max,
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        }),
      ),
  });
  // The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers) beside the older RateLimit-* ones.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const remaining = reply.getHeader('ratelimit-remaining');
    const reset = reply.getHeader('ratelimit-reset');
    if (remaining !== undefined && reset !== undefined) {
      void reply.header('ratelimit-policy', `"per-minute";q=${limit};w=${RATE_LIMIT_WINDOW_MS / 1000}`);
      void reply.header('ratelimit', `"per-minute";r=${String(remaining)};t=${String(reset)}`);
    }
    done(null, payload);
  });
}

function isApiRequest(request: FastifyRequest): boolean {
  return request.url === '/v1' || request.url.startsWith('/v1/') || request.url.startsWith('/v1?');
}

/** What helmet does to every answer: headers it sets (name, value) and headers it removes. */
export interface SecurityHeaders {
  readonly set: readonly (readonly [string, string])[];
  readonly removed: readonly string[];
}

/**
 * The headers helmet gives every answer with these options, computed once. With no value computed
 * per request (no CSP nonce), helmet's answer is the same for every request; @fastify/helmet built
 * helmet's middlewares and parsed the policy anew on each request, 3 % of the API's CPU per filing.
 * Fails if helmet ever needs a request to decide, rather than guess.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): SecurityHeaders {
  const policy = options.contentSecurityPolicy;
  const directiveValues: unknown[] = typeof policy === 'object' ? Object.values(policy.directives ?? {}) : [];
  if (directiveValues.some((value) => isIterable(value) && [...value].some((item) => typeof item === 'function'))) {
    throw new Error('a Content-Security-Policy directive is computed per request (a nonce?): its headers cannot be computed once');
  }
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: number | string | readonly string[]) => {
      if (typeof value !== 'string') throw new TypeError(`helmet set ${name} to a value that is not a string`);
      set.push([name, value]);
    },
    removeHeader: (name: string) => {
      removed.push(name);
    },
  };
  const request = new Proxy({} as IncomingMessage, {
    get: (_target, property) => {
      throw new Error(`helmet read the request's ${String(property)}: its headers depend on the request and cannot be computed once`);
    },
  });
  let finished = false;
  helmet(options)(request, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error instanceof Error) throw error;
    if (error !== undefined && error !== null) throw new Error('helmet refused these options');
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish at once: its headers cannot be computed once');
  return { set, removed };
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

/** The token's `sub` when the token verifies (a forged one must not buy a fresh allowance), else the client address. */
async function rateLimitKey(request: FastifyRequest, verifier: TokenVerifier): Promise<string> {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(header);
  if (match?.[1]) {
    try {
      const actor = await verifier.verify(match[1]);
      return `sub:${actor.sub}`;
    } catch {
      // Refused by the guard later on; limited by address meanwhile.
    }
  }
  return `ip:${request.ip}`;
}
