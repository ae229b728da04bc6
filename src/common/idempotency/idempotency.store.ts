import { Inject, Injectable } from '@nestjs/common';
import { constraintName, sqlState, UNIQUE_VIOLATION, type SqlEffect } from '@app/event-store';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { IdempotencyInProgressError, IdempotencyRaceLostError, type IdempotencyClaim, type StoredResponse } from './idempotency';

interface StoredRow {
  request_hash: string;
  response: StoredResponse;
}

/** SQLSTATEs raised by idempotency_claim (see the SingleRoundTripAppends migration). */
const KEY_IN_PROGRESS = 'CI409';
const KEY_ALREADY_USED = 'CI200';

/**
 * Idempotency keys live in Postgres and are written in the same statement as the command's
 * events, so a key is recorded if and only if its request's effects are.
 */
@Injectable()
export class IdempotencyStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async lookup(actor: string, scope: string, key: string): Promise<{ requestHash: string; response: StoredResponse } | undefined> {
    const { rows } = await this.pool.query<StoredRow>({
      name: 'idempotency_lookup',
      text: 'SELECT request_hash, response FROM idempotency_keys WHERE actor = $1 AND scope = $2 AND key = $3',
      values: [actor, scope, key],
    });
    const row = rows[0];
    return row === undefined ? undefined : { requestHash: row.request_hash, response: row.response };
  }

  /** Runs before the append: a second request with the same key fails at once instead of waiting. */
  claimEffect(claim: IdempotencyClaim): SqlEffect {
    return {
      sql: 'SELECT idempotency_claim($1)',
      arg: { lockKey: JSON.stringify([claim.actor, claim.scope, claim.key]), actor: claim.actor, scope: claim.scope, key: claim.key },
    };
  }

  /** Runs after the append: losing a race to another request with the key rolls everything back. */
  recordEffect(claim: IdempotencyClaim, body: unknown): SqlEffect {
    const response: StoredResponse = { status: claim.successStatus, body };
    return {
      sql: 'SELECT idempotency_record($1)',
      arg: { actor: claim.actor, scope: claim.scope, key: claim.key, requestHash: claim.requestHash, response },
    };
  }

  /**
   * Records the answer to a request the command refused (nothing else was written, so the key was
   * not recorded with it): a retry with the key gets the same refusal. A key recorded meanwhile by
   * another request with it wins.
   */
  async recordRefusal(claim: IdempotencyClaim, response: StoredResponse): Promise<void> {
    await this.pool.query({
      name: 'idempotency_record_refusal',
      text: `INSERT INTO idempotency_keys (actor, scope, key, request_hash, response) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (actor, scope, key) DO NOTHING`,
      values: [claim.actor, claim.scope, claim.key, claim.requestHash, JSON.stringify(response)],
    });
  }

  /** The idempotency errors the effects raise, as typed errors; anything else unchanged. */
  translate(error: unknown): unknown {
    const state = sqlState(error);
    if (state === KEY_IN_PROGRESS) {
      return new IdempotencyInProgressError('a request with this Idempotency-Key is still being processed; retry shortly');
    }
    if (state === KEY_ALREADY_USED || (state === UNIQUE_VIOLATION && constraintName(error) === 'idempotency_keys_pkey')) {
      return new IdempotencyRaceLostError('another request with this Idempotency-Key was recorded first');
    }
    return error;
  }
}
