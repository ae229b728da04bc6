import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append's effect functions in PL/pgSQL instead of SQL. A SQL-language function that is not
 * inlined (these INSERT … ON CONFLICT) is parsed and planned again on every call; PL/pgSQL keeps
 * its statements' plans for the session. Measured in the server on the filing append (the event,
 * the view projection and the idempotency record): about 0.8 ms per call before, 0.4–0.6 after.
 */
export class PlpgsqlEffects1795852800006 implements MigrationInterface {
  name = 'PlpgsqlEffects1795852800006';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION idempotency_record(p jsonb) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO idempotency_keys (actor, scope, key, request_hash, response)
        VALUES (p->>'actor', p->>'scope', p->>'key', p->>'requestHash', p->'response');
      END $$`);
    await db.query(`
      CREATE OR REPLACE FUNCTION aid_request_view_project(p jsonb) RETURNS void LANGUAGE plpgsql AS $$
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
      END $$`);
    await db.query(`
      CREATE OR REPLACE FUNCTION fund_view_project(p jsonb) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO fund_views (fiscal_year, version, view)
        VALUES ((p->>'fiscalYear')::integer, (p->>'version')::integer, (p->>'viewJson')::json)
        ON CONFLICT (fiscal_year) DO UPDATE SET version = EXCLUDED.version, view = EXCLUDED.view, updated_at = now()
        WHERE fund_views.version < EXCLUDED.version;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION idempotency_record(p jsonb) RETURNS void LANGUAGE sql AS $$
        INSERT INTO idempotency_keys (actor, scope, key, request_hash, response)
        VALUES (p->>'actor', p->>'scope', p->>'key', p->>'requestHash', p->'response')
      $$`);
    await db.query(`
      CREATE OR REPLACE FUNCTION aid_request_view_project(p jsonb) RETURNS void LANGUAGE sql AS $$
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
        WHERE aid_request_views.version < EXCLUDED.version
      $$`);
    await db.query(`
      CREATE OR REPLACE FUNCTION fund_view_project(p jsonb) RETURNS void LANGUAGE sql AS $$
        INSERT INTO fund_views (fiscal_year, version, view)
        VALUES ((p->>'fiscalYear')::integer, (p->>'version')::integer, (p->>'viewJson')::json)
        ON CONFLICT (fiscal_year) DO UPDATE SET version = EXCLUDED.version, view = EXCLUDED.view, updated_at = now()
        WHERE fund_views.version < EXCLUDED.version
      $$`);
  }
}
