import type { FastifyRequest } from 'fastify';
import { problem } from './problem-details';
import { ProblemException } from './problem-details.filter';

/**
 * `If-Match: "<version>"` (also `W/"<version>"` or a bare number): the stream version the caller
 * acted on, or undefined when absent or `*`.
 */
export function ifMatchVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!match?.[1]) {
    throw new ProblemException(
      problem(400, 'if_match.invalid', 'If-Match must name a version as an ETag, e.g. "3"', {
        errors: [{ field: 'If-Match', message: 'must be an ETag such as "3"' }],
      }),
    );
  }
  return Number(match[1]);
}
