import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The PostgreSQL document store (DOCUMENT_STORE=postgres): each blob is a row, its bytes chunked
 * in `document_chunks`. A blob is staged while its upload streams in (sha256 NULL) and is keyed by
 * its SHA-256 once complete, so the same bytes are kept once; an upload that is refused or
 * aborted deletes its row, and the chunks go with it.
 *
 * The chunks are incompressible more often than not (PDF, images, zipped office files), so they are
 * stored EXTERNAL: out of line, without a compression attempt on every write.
 *
 * The partial index finds the DocumentAttached events that name a blob (is a blob still
 * referenced? which document is it?) without scanning the log.
 */
export class DocumentStore1795852800301 implements MigrationInterface {
  name = 'DocumentStore1795852800301';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE document_blobs (
        id          uuid PRIMARY KEY,
        sha256      text UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        size        bigint NOT NULL DEFAULT 0,
        chunks      integer NOT NULL DEFAULT 0,
        started_at  timestamptz NOT NULL DEFAULT now(),
        stored_at   timestamptz
      )`);
    await db.query(`CREATE INDEX document_blobs_staged_idx ON document_blobs (started_at) WHERE sha256 IS NULL`);
    await db.query(`
      CREATE TABLE document_chunks (
        blob_id  uuid NOT NULL REFERENCES document_blobs (id) ON DELETE CASCADE,
        seq      integer NOT NULL,
        data     bytea NOT NULL,
        PRIMARY KEY (blob_id, seq)
      )`);
    await db.query(`ALTER TABLE document_chunks ALTER COLUMN data SET STORAGE EXTERNAL`);
    await db.query(`CREATE INDEX events_document_sha256_idx ON events ((data->>'sha256')) WHERE event_type = 'DocumentAttached'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX events_document_sha256_idx`);
    await db.query(`DROP TABLE document_chunks`);
    await db.query(`DROP TABLE document_blobs`);
  }
}
