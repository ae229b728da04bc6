import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SLA sweep also looks for approved grants whose next report is overdue (its timer was lost).
 * That part of its query filters on `status = 'approved'` and had no index to use, so every sweep
 * (every SLA_SWEEP_INTERVAL_MS) read every request view ever filed: 200 ms at 200,000 requests,
 * growing with history. A partial index over the approved requests makes it read the grants that
 * are running, which the fund's budget bounds, and nothing else. Requests in other states are not
 * in it, so it costs nothing to the filing and triage updates.
 */
export class ApprovedGrantsIndex1795852800660 implements MigrationInterface {
  name = 'ApprovedGrantsIndex1795852800660';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX aid_request_views_approved_idx ON aid_request_views (id) WHERE status = 'approved'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX aid_request_views_approved_idx`);
  }
}
