import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Funds1795852800004 implements MigrationInterface {
  name = 'Funds1795852800004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE fund_views (
        fiscal_year integer PRIMARY KEY,
        version     integer NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        view        json NOT NULL
      )`);
    await db.query(`
      CREATE FUNCTION fund_view_project(p jsonb) RETURNS void LANGUAGE sql AS $$
        INSERT INTO fund_views (fiscal_year, version, view)
        VALUES ((p->>'fiscalYear')::integer, (p->>'version')::integer, (p->>'viewJson')::json)
        ON CONFLICT (fiscal_year) DO UPDATE SET version = EXCLUDED.version, view = EXCLUDED.view, updated_at = now()
        WHERE fund_views.version < EXCLUDED.version
      $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION fund_view_project(jsonb)`);
    await db.query(`DROP TABLE fund_views`);
  }
}
