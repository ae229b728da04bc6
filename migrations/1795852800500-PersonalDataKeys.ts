import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal data by crypto-shredding. `personal_data_keys` holds each request's data key, sealed
 * by PERSONAL_DATA_KEY (the key itself never reaches the database); the contact is stored only as
 * ciphertext under it, and deleting the row erases the contact. `legacy_contact` is for requests
 * filed before contacts were encrypted: their contact re-encrypted under the key.
 *
 * Those earlier filings also left plaintext contacts in the views and in the answers kept for
 * idempotent replays. Both are rewritten here to the mark that readers of the old events now see
 * (`{ "legacyPlaintext": true }`); the re-encrypted copy is made at start-up from the events (it
 * needs PERSONAL_DATA_KEY, which a migration does not have; see LegacyContacts). The old events
 * themselves stay as sealed (see docs/personal-data.md). The rewritten rows' old versions remain
 * on disk until VACUUM reclaims them.
 */
/** The rewrites of legacy plaintext contacts in views and kept answers (idempotent: a second run finds nothing). */
export const SCRUB_LEGACY_CONTACTS: readonly string[] = [
  `UPDATE aid_request_views
      SET view = jsonb_set(view::jsonb, '{contact}', '{"legacyPlaintext": true}'::jsonb)::json
    WHERE jsonb_typeof(view::jsonb->'contact') = 'object' AND view::jsonb->'contact' ? 'name'`,
  `UPDATE idempotency_keys
      SET response = jsonb_set(response, '{body,contact}', '{"legacyPlaintext": true}'::jsonb)
    WHERE jsonb_typeof(response->'body'->'contact') = 'object' AND response->'body'->'contact' ? 'name'`,
];

export class PersonalDataKeys1795852800500 implements MigrationInterface {
  name = 'PersonalDataKeys1795852800500';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE personal_data_keys (
        request_id     uuid PRIMARY KEY,
        sealed_key     bytea NOT NULL,
        legacy_contact jsonb,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    // The start-up step looks for legacy filings on every start: only those rows are indexed.
    await db.query(`CREATE INDEX events_legacy_filing_idx ON events (global_position) WHERE event_type = 'AidRequestFiled' AND event_version = 1`);
    for (const statement of SCRUB_LEGACY_CONTACTS) await db.query(statement);
  }

  async down(db: QueryRunner): Promise<void> {
    // The plaintext removed from views and kept answers is not put back: it is still in the old events.
    await db.query(`DROP INDEX events_legacy_filing_idx`);
    await db.query(`DROP TABLE personal_data_keys`);
  }
}
