import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Pool } from 'pg';
import { aidRequestStreamId, type Contact } from '../aid-requests/domain/aid-request.events';
import { PG_POOL } from '../database/pg-pool';
import { whilePostgresRestarts } from '../database/while-postgres-restarts';
import { encryptContact, PersonalDataUnreadableError, PersonalDataVault } from './personal-data-vault';

export class PersonalDataKeyMismatchError extends Error {
  override readonly name = 'PersonalDataKeyMismatchError';
}

const BATCH = 500;

/**
 * Contacts filed before they were encrypted (AidRequestFiled schema 1) keep their plaintext in the
 * sealed log: rewriting those events would change their leaf hashes and break every proof. What
 * can be protected is everything else. The PersonalDataKeys migration removed their plaintext from
 * the views and the answers kept for replays (SQL alone can do that); this start-up step, which
 * needs PERSONAL_DATA_KEY and so cannot run in a migration, gives each such request a data key and
 * keeps its contact re-encrypted under it, which is what the API shows and what erasure destroys.
 * It skips erased requests and requests that already have a key, so it runs on every start at
 * the cost of one query, and several processes may run it at once.
 */
@Injectable()
export class LegacyContacts implements OnApplicationBootstrap {
  private readonly logger = new Logger('personal-data');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly vault: PersonalDataVault,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Both steps are safe to repeat: a database restart during start-up runs them again.
    const count = await whilePostgresRestarts(
      async () => {
        // Never seal anything with a key that is not the one in use.
        await this.assertKeyOpensStoredKeys();
        return this.reencrypt();
      },
      { onRetry: (reason) => this.logger.warn(`PostgreSQL is restarting (${reason}): checking the stored contacts again`) },
    );
    if (count > 0) {
      this.logger.warn(`re-encrypted the contacts of ${count} requests filed before contacts were encrypted; their plaintext remains in the sealed log (see docs/personal-data.md)`);
    }
  }

  /**
   * Refuses to start with a PERSONAL_DATA_KEY that does not open the newest stored data key: with
   * the wrong key every contact would be unreadable and new ones would be sealed apart from the rest.
   */
  async assertKeyOpensStoredKeys(): Promise<void> {
    const { rows } = await this.pool.query<{ request_id: string; sealed_key: Buffer }>(
      'SELECT request_id, sealed_key FROM personal_data_keys ORDER BY created_at DESC, request_id LIMIT 1',
    );
    const newest = rows[0];
    if (newest === undefined) return;
    try {
      await this.vault.openDataKey(newest.request_id, newest.sealed_key);
    } catch (error) {
      if (!(error instanceof PersonalDataUnreadableError)) throw error;
      throw new PersonalDataKeyMismatchError(
        `PERSONAL_DATA_KEY is not the key the stored contact details were sealed with (${error.message}). ` +
          'Start with the key in use, or re-seal the data keys under a new one as docs/personal-data.md describes.',
      );
    }
  }

  /** Re-encrypts every legacy contact not yet done; returns how many it did. */
  async reencrypt(): Promise<number> {
    let done = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ request_id: string; contact: Contact }>(
        `SELECT e.data->>'requestId' AS request_id, e.data->'contact' AS contact
           FROM events e
          WHERE e.event_type = 'AidRequestFiled' AND e.event_version = 1 AND jsonb_typeof(e.data->'contact') = 'object'
            AND NOT EXISTS (SELECT 1 FROM personal_data_keys k WHERE k.request_id = (e.data->>'requestId')::uuid)
            AND NOT EXISTS (SELECT 1 FROM events x WHERE x.stream_id = e.stream_id AND x.event_type = 'PersonalDataErased')
          ORDER BY e.global_position
          LIMIT $1`,
        [BATCH],
      );
      for (const row of rows) {
        const { key, sealed } = await this.vault.newDataKey(row.request_id);
        const copy = encryptContact(key, row.request_id, row.contact);
        const inserted = await this.pool.query(
          `INSERT INTO personal_data_keys (request_id, sealed_key, legacy_contact)
           SELECT $1::uuid, $2, $3::jsonb
            WHERE NOT EXISTS (SELECT 1 FROM events WHERE stream_id = $4 AND event_type = 'PersonalDataErased')
           ON CONFLICT (request_id) DO NOTHING`,
          [row.request_id, sealed, JSON.stringify(copy), aidRequestStreamId(row.request_id)],
        );
        done += inserted.rowCount ?? 0;
      }
      if (rows.length < BATCH) return done;
    }
  }
}
