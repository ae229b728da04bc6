import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Ids that tie an event back to the HTTP request (and the chain of work) that caused it. */
export interface RequestMeta {
  readonly requestId: string;
  readonly correlationId: string;
}

const TRACE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const CurrentRequestMeta = createParamDecorator(
  (_: unknown, context: ExecutionContext): RequestMeta => requestMetaOf(context.switchToHttp().getRequest<FastifyRequest>()),
);

export function requestMetaOf(request: FastifyRequest): RequestMeta {
  const correlation = request.headers['x-correlation-id'];
  return {
    requestId: request.id,
    correlationId: typeof correlation === 'string' && TRACE_ID.test(correlation) ? correlation : request.id,
  };
}

export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID.test(value);
}
