import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Triage1795852800002 implements MigrationInterface {
  name = 'Triage1795852800002';

  async up(db: QueryRunner): Promise<void> {
    // No NOTIFY trigger on events: a notifying transaction takes a server-wide lock at commit,
    // which would serialise every append. The app notifies after commit instead (AppendNotifier).
    await db.query(`
      CREATE TABLE dead_letters (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        queue      text NOT NULL,
        job_id     text NOT NULL,
        job_name   text NOT NULL,
        reason     text NOT NULL,
        attempts   integer NOT NULL,
        payload    jsonb NOT NULL,
        failed_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX dead_letters_queue_idx ON dead_letters (queue, failed_at DESC)`);

    await db.query(`
      CREATE TABLE notifications (
        id          text PRIMARY KEY,
        kind        text NOT NULL,
        audience    text NOT NULL,
        request_id  uuid,
        subject     text NOT NULL,
        details     jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX notifications_request_idx ON notifications (request_id, created_at)`);

    await db.query(`
      ALTER TABLE aid_request_views
        ADD COLUMN acknowledge_by  timestamptz,
        ADD COLUMN acknowledged_at timestamptz,
        ADD COLUMN sla_breaches    text[] NOT NULL DEFAULT '{}',
        ADD COLUMN detected_at     timestamptz,
        ADD COLUMN review_round    text,
        ADD COLUMN score           smallint`);
    // The officers' work queue: by priority, then decide deadline.
    await db.query(`
      CREATE INDEX aid_request_views_queue_idx ON aid_request_views (priority, decide_by, id)
      WHERE status IN ('triaged', 'under_review', 'information_requested', 'awaiting_second_approval')`);
    // Likely duplicates: the same country's incidents by detection time.
    await db.query(`
      CREATE INDEX aid_request_views_incidents_idx ON aid_request_views (country, detected_at)
      WHERE kind = 'incident_response'`);
    await db.query(`CREATE INDEX aid_request_views_review_round_idx ON aid_request_views (review_round) WHERE review_round IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX aid_request_views_review_round_idx`);
    await db.query(`DROP INDEX aid_request_views_incidents_idx`);
    await db.query(`DROP INDEX aid_request_views_queue_idx`);
    await db.query(`
      ALTER TABLE aid_request_views
        DROP COLUMN score, DROP COLUMN review_round, DROP COLUMN detected_at,
        DROP COLUMN sla_breaches, DROP COLUMN acknowledged_at, DROP COLUMN acknowledge_by`);
    await db.query(`DROP TABLE notifications`);
    await db.query(`DROP TABLE dead_letters`);
  }
}
