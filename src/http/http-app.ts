import type { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import multipart from '@fastify/multipart';
import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import type { AppConfig } from '../config/app-config';
import { sendProblem, toProblem } from '../common/problem-details.filter';
import { isTraceId } from '../common/request-meta';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { nameServerSpan } from '../tracing/trace-context';
import { createValidationPipe, invalidInput, unstorableInput } from './validation';

/** Request bodies above this (1 MiB) are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** `trustProxy` is TRUST_PROXY (AppConfig.http.trustProxy): whose X-Forwarded-For names the client. */
export function createFastifyAdapter(trustProxy: AppConfig['http']['trustProxy']): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // A number of hops as Fastify itself reads it: the nearest `trustProxy` addresses are proxies.
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : typeof trustProxy === 'object' ? [...trustProxy] : trustProxy,
    requestIdHeader: false,
    // A request that arrives while the process stops is answered by stopOnSignals (problem+json, Retry-After).
    return503OnClosing: false,
    genReqId: (request: IncomingMessage) => {
      const incoming = request.headers['x-request-id'];
      return isTraceId(incoming) ? incoming : uuidv7();
    },
    // What Fastify refuses before routing (a URL it cannot decode, a path parameter over its length
    // limit) is answered as problem+json too, not in Fastify's own error shape.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendProblem(request, reply, toProblem(error)),
  });
}

/**
 * How the Nest application is created, in production and in tests: Fastify's own JSON parser
 * (body limit, prototype poisoning refused) and no other. Nest's parsers would add
 * `application/x-www-form-urlencoded`, and the API speaks JSON only.
 */
export const NEST_APP_OPTIONS = { bodyParser: false } as const satisfies NestApplicationOptions;

/** Everything about HTTP that is the same in production and in tests. */
export function configureHttpApp(app: NestFastifyApplication): NestFastifyApplication {
  app.useGlobalPipes(createValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  // The API speaks JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  fastify.removeContentTypeParser('text/plain');
  // Every JSON body, whichever route reads it (the idempotency hash reads bodies no DTO describes),
  // is refused with 400 when it holds what Postgres cannot store or nests too deep to walk.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
    void parseJson(request, body, (error, value: unknown) => {
      if (error) return done(error);
      const problems = unstorableInput(value);
      if (problems.length > 0) done(invalidInput(problems));
      else done(null, value);
    });
  });
  // multipart/form-data (document uploads) is read as a stream by the route, with its own limits.
  void fastify.register(multipart, { throwFileSizeLimit: true });
  fastify.addHook('onSend', (request: AuthenticatedRequest, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    nameServerSpan(request.method, request.routeOptions.url);
    done(null, payload);
  });
  return app;
}
