import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { DomainError, RetriesExhaustedError, StaleVersionError, type DomainErrorCategory, type FieldProblem } from '@app/event-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDependencyUnavailable } from './dependency-unavailable';
import { PROBLEM_CONTENT_TYPE, problem, type ProblemDetails } from './problem-details';

const STATUS_BY_CATEGORY: Readonly<Record<DomainErrorCategory, number>> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
};

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

/** The problem code of an error known only by its HTTP status. */
export function problemCodeFor(status: number): string {
  return CODE_BY_STATUS[status] ?? `http_${status}`;
}

/** Retry-After of a 503 for a dependency that is away (a database restart takes seconds). */
const RETRY_AFTER_UNAVAILABLE_S = 2;

/**
 * An HttpException whose body is already a problem (thrown by the edge with a specific code).
 * `replayed`: the answer recorded for an earlier request with the same Idempotency-Key.
 */
export class ProblemException extends HttpException {
  constructor(
    readonly problemDetails: ProblemDetails,
    readonly replayed = false,
  ) {
    super(problemDetails, problemDetails.status);
  }
}

/**
 * The one place errors become HTTP: domain refusals, validation failures, framework errors and
 * anything unexpected all leave as RFC 9457 problem+json. Unexpected errors are logged with the
 * request id and answered with a generic 500 that leaks nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = toProblem(error);
    if (error instanceof ProblemException && error.replayed) void reply.header('idempotent-replayed', 'true');
    if (body.status === 503 && isDependencyUnavailable(error)) void reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE_S));
    if (body.status === 503) {
      this.logger.warn(`${request.method} ${request.url} answered 503 (request ${request.id}): ${error instanceof Error ? error.message : String(error)}`);
    } else if (body.status >= 500) {
      this.logger.error(
        `${request.method} ${request.url} failed (request ${request.id}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    sendProblem(request, reply, body);
  }
}

/** Answers `request` with `body` as problem+json, naming the request as the problem's instance. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, body: ProblemDetails): void {
  void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send({ ...body, instance: request.url });
}

export function toProblem(error: unknown): ProblemDetails {
  if (error instanceof ProblemException) return error.problemDetails;
  if (error instanceof DomainError) {
    const status = STATUS_BY_CATEGORY[error.category];
    return problem(status, error.code, error.message, error.fieldProblems.length > 0 ? { errors: error.fieldProblems } : {});
  }
  if (error instanceof StaleVersionError) {
    return problem(412, 'precondition_failed', `If-Match names version ${error.expectedVersion}, but the current version is ${error.actualVersion}`, {
      currentVersion: error.actualVersion,
    });
  }
  if (error instanceof RetriesExhaustedError) {
    return problem(409, 'concurrent_modification', 'the resource is being changed by others at this moment; retry the request');
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail = typeof response === 'string' ? response : messageOf(response) ?? error.message;
    const errors = typeof response === 'object' && response !== null && 'errors' in response ? (response as { errors: FieldProblem[] }).errors : undefined;
    return problem(status, problemCodeFor(status), detail, errors ? { errors } : {});
  }
  // PostgreSQL restarting, a connection cut: the client is told to come back, not that we broke.
  if (isDependencyUnavailable(error)) return problem(503, 'service_unavailable', 'a server the service depends on is unavailable at this moment; retry the request');
  const frameworkStatus = clientErrorStatus(error);
  if (frameworkStatus !== undefined) {
    return problem(frameworkStatus, problemCodeFor(frameworkStatus), (error as Error).message);
  }
  return problem(500, 'internal', 'an unexpected error occurred; it has been logged');
}

function messageOf(response: object): string | undefined {
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return undefined;
}

/** Fastify's own client errors (malformed JSON, body too large, unsupported media type) carry a 4xx statusCode. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  const status = error.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}
