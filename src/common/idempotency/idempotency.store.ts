import { Inject, Injectable } from '@nestjs/common';
import type { Sql } from '@app/event-store';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { IdempotencyInProgressError, IdempotencyRaceLostError, type IdempotencyClaim, type StoredResponse } from './idempotency';

interface StoredRow {
  request_hash: string;
  response: StoredResponse;
}

/**
 * Idempotency keys live in Postgres and are written in the same transaction as the command's
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

  /** First statement of the command's transaction: a second request with the same key gets 409 instead of waiting. */
  async claim(tx: Sql, claim: IdempotencyClaim): Promise<void> {
    const { rows } = await tx.query<{ locked: boolean }>({
      name: 'idempotency_claim',
      text: 'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
      values: [JSON.stringify([claim.actor, claim.scope, claim.key])],
    });
    if (rows[0]?.locked !== true) {
      throw new IdempotencyInProgressError('a request with this Idempotency-Key is still being processed; retry shortly');
    }
  }

  /** Last statement of the command's transaction. Losing a race rolls the whole command back. */
  async record(tx: Sql, claim: IdempotencyClaim, body: unknown): Promise<void> {
    const response: StoredResponse = { status: claim.successStatus, body };
    const { rowCount } = await tx.query({
      name: 'idempotency_record',
      text: `INSERT INTO idempotency_keys (actor, scope, key, request_hash, response) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING`,
      values: [claim.actor, claim.scope, claim.key, claim.requestHash, JSON.stringify(response)],
    });
    if (rowCount !== 1) throw new IdempotencyRaceLostError('another request with this Idempotency-Key committed first');
  }
}
