import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Params } from 'nestjs-pino';
import pino, { type Logger as PinoRoot } from 'pino';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import type { AppConfig } from '../config/app-config';

/**
 * Never logged, wherever they appear: credentials, secrets, and the personal contact details a
 * filing carries. Request and response bodies and headers are not logged at all (see
 * logRequests); these paths guard what code logs by hand.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'cookie',
  'token',
  'secret',
  'password',
  'contact',
  'email',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.secret',
  '*.password',
  '*.contact',
  '*.email',
  'headers.authorization',
  'headers.cookie',
  'req.headers',
  'res.headers',
];

/**
 * The process's one pino logger: JSON lines in production (or whenever stdout is not a terminal),
 * one readable line per entry on a terminal in development.
 */
export function createRootLogger(config: AppConfig, terminal: boolean): PinoRoot {
  const pretty = config.nodeEnv !== 'production' && terminal;
  return pino({
    level: config.logLevel,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
}

/**
 * nestjs-pino over the root logger, for Nest's own logs and the `Logger`s of the application, and
 * for the worker's job context (PinoLogger.runInContext). It mounts no HTTP middleware: the request
 * line is written by logRequests. Its pino-http middleware built two child loggers per request and
 * ran every request in an AsyncLocalStorage context (which on Node 20 puts a hook on every promise
 * the process makes): together about 8 % of the API's CPU time under a load of filings, measured.
 * A line logged while a request is handled names the request in its text where it matters (the
 * 500 answers of ProblemDetailsFilter).
 */
export function loggerParams(root: PinoRoot): Params {
  return { forRoutes: [], pinoHttp: { logger: root } };
}

/**
 * One line per HTTP request, when its answer has been sent: `reqId`, `req` (method and URL), `res`
 * (status), `durationMs`, the route's pattern and the caller's `sub` and `role`; at level error for a
 * 5xx answer. A request the client gave up on before its answer is logged when it gave up, with
 * `aborted: true`. The line is written by the root logger directly: no child logger per request.
 */
export function logRequests(fastify: FastifyInstance, root: PinoRoot): void {
  fastify.addHook('onResponse', (request: AuthenticatedRequest, reply, done) => {
    const status = reply.statusCode;
    root[status >= 500 ? 'error' : 'info'](requestLine(request, reply), `${request.method} ${routeOf(request)} ${status}`);
    done();
  });
  fastify.addHook('onRequestAbort', (request: AuthenticatedRequest, done) => {
    root.info(requestLine(request, undefined), `${request.method} ${routeOf(request)} aborted by the client`);
    done();
  });
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url;
}

/** The line's fields; without a reply, the client gave up before the answer (`aborted: true`). */
function requestLine(request: AuthenticatedRequest, reply: FastifyReply | undefined): object {
  return {
    reqId: request.id,
    req: { method: request.method, url: request.url },
    ...(reply === undefined ? { aborted: true } : { res: { statusCode: reply.statusCode }, durationMs: Math.round(reply.elapsedTime * 10) / 10 }),
    route: routeOf(request),
    sub: request.actor?.sub,
    role: request.actor?.role,
  };
}
