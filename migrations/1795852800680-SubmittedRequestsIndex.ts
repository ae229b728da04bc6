import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The recovery sweep (every RECONCILE_AFTER_MS / 2, in every worker) looks for requests filed and
 * not triaged since before a cutoff: their triage job was lost. No index held them, so each sweep
 * read every request view ever filed (with its other part, 350 ms and 350 MB of pages through the
 * buffer cache at 200,000 requests, growing with history). This partial index holds only the
 * requests still `submitted`, which triage moves out within milliseconds: next to nothing. Its
 * columns are indexed already (filed_at) or in other indexes' predicates (status), so it makes no
 * update of a view less HOT than it was.
 */
export class SubmittedRequestsIndex1795852800680 implements MigrationInterface {
  name = 'SubmittedRequestsIndex1795852800680';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX aid_request_views_submitted_idx ON aid_request_views (filed_at) WHERE status = 'submitted'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX aid_request_views_submitted_idx`);
  }
}
