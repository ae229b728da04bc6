import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The request states in which a deadline can still be missed (as the SLA sweep's query has them). */
const ACKNOWLEDGE_OPEN = `NOT ('acknowledge' = ANY (sla_breaches)) AND status NOT IN ('approved', 'rejected', 'withdrawn', 'closed')`;
const DECIDE_OPEN = `NOT ('decide' = ANY (sla_breaches)) AND status NOT IN ('approved', 'rejected', 'withdrawn', 'closed', 'information_requested')`;

/**
 * The SLA sweep is what fires acknowledge and decide deadlines (no delayed job per deadline any
 * more), every SLA_SWEEP_INTERVAL_MS: its look for passed deadlines must cost the same with a
 * thousand requests as with a million. Each deadline gets a partial index over the requests that
 * can still miss it, ordered by the deadline, so the sweep reads only the passed ones. The
 * predicates repeat the sweep's conditions word for word (findMissedDeadlines), which is what lets
 * the planner use them.
 */
export class SlaDeadlineIndexes1795852800640 implements MigrationInterface {
  name = 'SlaDeadlineIndexes1795852800640';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX aid_request_views_acknowledge_due_idx ON aid_request_views (acknowledge_by) WHERE ${ACKNOWLEDGE_OPEN}`);
    await db.query(`CREATE INDEX aid_request_views_decide_due_idx ON aid_request_views (decide_by) WHERE ${DECIDE_OPEN}`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX aid_request_views_decide_due_idx`);
    await db.query(`DROP INDEX aid_request_views_acknowledge_due_idx`);
  }
}
