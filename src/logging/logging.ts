import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino, { type Logger as PinoRoot } from 'pino';
import type { AppConfig } from '../config/app-config';

/**
 * What the request log line adds once the route has run: the route's pattern and who called it.
 * Set on the raw request by `rememberForLog` (Fastify's request is not the one pino-http sees).
 */
export const LOG_CONTEXT = Symbol('cdt-fund.log-context');

export interface RequestLogContext {
  readonly route?: string;
  readonly sub?: string;
  readonly role?: string;
}

type LoggedRequest = IncomingMessage & { [LOG_CONTEXT]?: RequestLogContext };

/**
 * Never logged, wherever they appear: credentials, secrets, and the personal contact details a
 * filing carries. Request and response bodies and headers are not logged at all (see the
 * serializers); these paths guard what code logs by hand.
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

/** Stores the route and the caller on the raw request, for the one line logged when the answer is sent. */
export function rememberForLog(raw: IncomingMessage, context: RequestLogContext): void {
  (raw as LoggedRequest)[LOG_CONTEXT] = context;
}

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

function withLogContext(req: IncomingMessage, fields: object): object {
  return { ...fields, ...(req as LoggedRequest)[LOG_CONTEXT] };
}

function describeRequest(req: IncomingMessage, res: ServerResponse): string {
  return `${req.method ?? ''} ${(req as LoggedRequest)[LOG_CONTEXT]?.route ?? req.url ?? ''} ${res.statusCode}`;
}

/**
 * nestjs-pino over the root logger: one line per HTTP request with `reqId`, method, route, status,
 * duration, `sub` and `role`. The request id is Fastify's (taken from `X-Request-Id` or generated),
 * which the adapter also puts on the raw request for pino-http.
 */
export function loggerParams(root: PinoRoot): Params {
  return {
    // nestjs-pino's default route pattern ('{/*splat}') matches nothing under this Nest and Fastify.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      logger: root,
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'reqId', responseTime: 'durationMs' },
      serializers: {
        req: (req: IncomingMessage) => ({ method: req.method, url: req.url }),
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      },
      // The route and the caller go into the line's own fields. As `customProps` they would cost two
      // more child loggers per request (one built when the request arrives, when nothing is known yet).
      customSuccessObject: (req: IncomingMessage, _res: ServerResponse, fields: object) => withLogContext(req, fields),
      customErrorObject: (req: IncomingMessage, _res: ServerResponse, _error: Error, fields: object) => withLogContext(req, fields),
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) => (error !== undefined || res.statusCode >= 500 ? 'error' : 'info'),
      customSuccessMessage: describeRequest,
      customErrorMessage: describeRequest,
    },
  };
}
