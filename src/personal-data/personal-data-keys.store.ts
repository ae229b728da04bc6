import { Inject, Injectable } from '@nestjs/common';
import type { SqlEffect } from '@app/event-store';
import type { Pool } from 'pg';
import { PG_POOL } from '../database/pg-pool';
import type { EncryptedContact } from '../aid-requests/domain/aid-request.events';

/** A request's row in `personal_data_keys`. */
export interface PersonalDataKeyRow {
  readonly sealedKey: Buffer;
  /** For a request filed before contacts were encrypted: its contact, re-encrypted under this key. */
  readonly legacyContact: EncryptedContact | null;
}

/**
 * `personal_data_keys`: each request's data key, sealed by the vault, one row per request. The row
 * is written in the same transaction as AidRequestFiled and deleted in the same transaction as
 * PersonalDataErased: deleting it is the erasure.
 */
@Injectable()
export class PersonalDataKeys {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Stores a new request's sealed data key (an effect of the filing's append). */
  static insertEffect(requestId: string, sealedKey: Buffer): SqlEffect {
    return {
      sql: `INSERT INTO personal_data_keys (request_id, sealed_key) VALUES (($1->>'requestId')::uuid, decode($1->>'sealedKey', 'base64'))`,
      arg: { requestId, sealedKey: sealedKey.toString('base64') },
    };
  }

  /** Destroys a request's data key (an effect of the erasure's append). */
  static deleteEffect(requestId: string): SqlEffect {
    return { sql: `DELETE FROM personal_data_keys WHERE request_id = ($1->>'requestId')::uuid`, arg: { requestId } };
  }

  async find(requestIds: readonly string[]): Promise<Map<string, PersonalDataKeyRow>> {
    const found = new Map<string, PersonalDataKeyRow>();
    if (requestIds.length === 0) return found;
    const { rows } = await this.pool.query<{ request_id: string; sealed_key: Buffer; legacy_contact: EncryptedContact | null }>({
      name: 'personal_data_keys_find',
      text: 'SELECT request_id, sealed_key, legacy_contact FROM personal_data_keys WHERE request_id = ANY ($1::uuid[])',
      values: [[...new Set(requestIds)]],
    });
    for (const row of rows) found.set(row.request_id, { sealedKey: row.sealed_key, legacyContact: row.legacy_contact });
    return found;
  }
}
