import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes no query uses, each paid for on every append or filing: events_type_idx (no reader
 * filters the log by type alone; the audit feed filters the sealed ledger) and
 * aid_request_views_status_filed_idx (lists filter by status within the filed_at order).
 */
export class DropUnusedIndexes1795852800007 implements MigrationInterface {
  name = 'DropUnusedIndexes1795852800007';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS events_type_idx`);
    await db.query(`DROP INDEX IF EXISTS aid_request_views_status_filed_idx`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX events_type_idx ON events (event_type, global_position)`);
    await db.query(`CREATE INDEX aid_request_views_status_filed_idx ON aid_request_views (status, filed_at DESC, id DESC)`);
  }
}
