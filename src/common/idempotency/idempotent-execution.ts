import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { canonicalJson, DomainError, StaleVersionError } from '@app/event-store';
import type { Actor } from '../../auth/actor';
import { ProblemException, toProblem } from '../problem-details.filter';
import { problem, type ProblemDetails } from '../problem-details';
import { IdempotencyInProgressError, IdempotencyRaceLostError, type IdempotencyClaim, type StoredResponse } from './idempotency';
import { IdempotencyStore } from './idempotency.store';

const KEY = /^[\x21-\x7e]{1,255}$/;

export interface ExecutionResult extends StoredResponse {
  /** True when this is the stored answer to an earlier request with the same key. */
  readonly replayed: boolean;
}

/**
 * `Idempotency-Key` on a POST, scoped to the caller and the route: the same key and body get the
 * first response again (a success or a refusal, with its status and body), another body gets 422,
 * and a duplicate that arrives while the first is still running gets 409. The command itself
 * records a success (see IdempotencyStore); a refusal is recorded after it.
 */
@Injectable()
export class IdempotentExecution {
  constructor(private readonly store: IdempotencyStore) {}

  async run(
    request: FastifyRequest,
    actor: Actor,
    scope: string,
    successStatus: number,
    execute: (claim: IdempotencyClaim | undefined) => Promise<unknown>,
    options: {
      readonly optimistic?: boolean;
      /** The hash of what the request asked for, when that is not its JSON body (a multipart upload). */
      readonly requestHash?: string;
    } = {},
  ): Promise<ExecutionResult> {
    const header = idempotencyKeyOf(request);
    if (header === undefined) return { status: successStatus, body: await execute(undefined), replayed: false };
    const claim: IdempotencyClaim = { actor: actor.sub, scope, key: header, requestHash: options.requestHash ?? hashBody(request.body), successStatus };
    // An action is looked up first: its decider may refuse a repeat (a second claim) before the
    // key is ever checked. A creation never depends on what exists, so it can go straight to the
    // append, whose claim effect reports a used key.
    if (options.optimistic !== true) {
      const earlier = await this.replay(claim);
      if (earlier) return earlier;
    }
    try {
      return { status: successStatus, body: await execute(claim), replayed: false };
    } catch (error) {
      // The domain's refusals are answers like any other: a retry gets the same one, even if the
      // request's situation changed meanwhile. Transient failures (a race lost, a key in use,
      // anything unexpected) are not recorded: a retry may well succeed.
      if (error instanceof DomainError || error instanceof StaleVersionError) {
        const refusal = toProblem(error);
        await this.store.recordRefusal(claim, { status: refusal.status, body: refusal });
      }
      if (error instanceof IdempotencyInProgressError) {
        throw new ProblemException(problem(409, 'idempotency_key.in_progress', error.message));
      }
      if (error instanceof IdempotencyRaceLostError) {
        const winner = await this.replay(claim);
        if (winner) return winner;
      }
      throw error;
    }
  }

  private async replay(claim: IdempotencyClaim): Promise<ExecutionResult | undefined> {
    const stored = await this.store.lookup(claim.actor, claim.scope, claim.key);
    if (stored === undefined) return undefined;
    if (stored.requestHash !== claim.requestHash) {
      throw new ProblemException(
        problem(422, 'idempotency_key.reused', 'this Idempotency-Key was already used with a different request body'),
      );
    }
    if (stored.response.status >= 400) throw new ProblemException(stored.response.body as ProblemDetails, true);
    return { ...stored.response, replayed: true };
  }
}

/** The request's Idempotency-Key, if it has one; a malformed key is a 400. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new ProblemException(
      problem(400, 'idempotency_key.invalid', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
        errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
      }),
    );
  }
  return header;
}

function hashBody(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body ?? null)).digest('hex');
}
