import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AID_REQUEST_VIEW_PROJECT_FUNCTION } from '../src/aid-requests/projections/aid-request-view.projection';

/**
 * TLP 2.0 labels on filings: the request view gains `tlp` (a column for filters, and the JSON the
 * API answers with). Requests filed before labels existed count as AMBER, the contract's default.
 */
export class TlpMarkings1795852800300 implements MigrationInterface {
  name = 'TlpMarkings1795852800300';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE aid_request_views
        ADD COLUMN tlp text NOT NULL DEFAULT 'AMBER'
        CONSTRAINT aid_request_views_tlp_check CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'))`);
    await db.query(`UPDATE aid_request_views SET view = (view::jsonb || jsonb_build_object('tlp', tlp))::json WHERE view->>'tlp' IS NULL`);
    await db.query(AID_REQUEST_VIEW_PROJECT_FUNCTION);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(PREVIOUS_AID_REQUEST_VIEW_PROJECT_FUNCTION);
    await db.query(`UPDATE aid_request_views SET view = (view::jsonb - 'tlp')::json`);
    await db.query(`ALTER TABLE aid_request_views DROP COLUMN tlp`);
  }
}

/** The function as 1795852800010 installed it, for down(). */
const PREVIOUS_AID_REQUEST_VIEW_PROJECT_FUNCTION = `CREATE OR REPLACE FUNCTION aid_request_view_project(p jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aid_request_views (id, country, kind, status, track, priority, decide_by, filed_at, updated_at, version, view,
                                 acknowledge_by, acknowledged_at, sla_breaches, detected_at, review_round, score)
  VALUES ((p->>'id')::uuid, p->>'country', p->>'kind', p->>'status', p->>'track', (p->>'priority')::smallint,
          (p->>'decideBy')::timestamptz, (p->>'filedAt')::timestamptz, (p->>'updatedAt')::timestamptz,
          (p->>'version')::integer, (p->>'viewJson')::json,
          (p->>'acknowledgeBy')::timestamptz, (p->>'acknowledgedAt')::timestamptz,
          ARRAY(SELECT jsonb_array_elements_text(p->'slaBreaches')),
          (p->>'detectedAt')::timestamptz, p->>'reviewRound', (p->>'score')::smallint)
  ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status, track = EXCLUDED.track, priority = EXCLUDED.priority,
    decide_by = EXCLUDED.decide_by, updated_at = EXCLUDED.updated_at,
    version = EXCLUDED.version, view = EXCLUDED.view,
    acknowledge_by = EXCLUDED.acknowledge_by, acknowledged_at = EXCLUDED.acknowledged_at,
    sla_breaches = EXCLUDED.sla_breaches, review_round = EXCLUDED.review_round, score = EXCLUDED.score
  WHERE aid_request_views.version < EXCLUDED.version;
END $$`;
