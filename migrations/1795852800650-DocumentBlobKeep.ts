import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keeping an uploaded blob under its hash, as one function the document store calls either on its
 * own (`commit`) or as an effect of the append that records DocumentAttached: then the blob is
 * kept if and only if its event is, and a refused command rolls the keeping back with it.
 *
 * Uploads of the same bytes take turns until the end of their transactions (a transaction-level
 * advisory lock on `document_blob_lock_key`, the hash's first 64 bits, which the S3 store's uploads
 * lock as well, for a session): each
 * statement after the lock sees what the upload before it kept, so the second keeps nothing of its
 * own and names the first one's blob. A staged upload that is gone (purged as abandoned a day
 * after it started) is refused with SQLSTATE CD404 rather than recorded without its bytes.
 */
export class DocumentBlobKeep1795852800650 implements MigrationInterface {
  name = 'DocumentBlobKeep1795852800650';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION document_blob_lock_key(p_sha256 text) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT
      RETURN ('x' || left(p_sha256, 16))::bit(64)::bigint`);
    await db.query(`
      CREATE FUNCTION document_blob_keep(p jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
      DECLARE
        v_id uuid := (p->>'id')::uuid;
        v_sha256 text := p->>'sha256';
      BEGIN
        PERFORM pg_advisory_xact_lock(document_blob_lock_key(v_sha256));
        IF EXISTS (SELECT FROM document_blobs WHERE sha256 = v_sha256) THEN
          DELETE FROM document_blobs WHERE id = v_id AND sha256 IS NULL;
          RETURN false;
        END IF;
        UPDATE document_blobs SET sha256 = v_sha256, size = (p->>'size')::bigint, chunks = (p->>'chunks')::integer, stored_at = now()
        WHERE id = v_id AND sha256 IS NULL;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'the staged upload % is gone', v_id USING ERRCODE = 'CD404';
        END IF;
        RETURN true;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION document_blob_keep(jsonb)`);
    await db.query(`DROP FUNCTION document_blob_lock_key(text)`);
  }
}
