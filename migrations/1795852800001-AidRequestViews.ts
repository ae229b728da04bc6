import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AidRequestViews1795852800001 implements MigrationInterface {
  name = 'AidRequestViews1795852800001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE aid_request_views (
        id          uuid PRIMARY KEY,
        country     char(2) NOT NULL,
        kind        text NOT NULL,
        status      text NOT NULL,
        track       text,
        priority    smallint,
        decide_by   timestamptz,
        filed_at    timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        version     integer NOT NULL,
        view        json NOT NULL
      )`);
    // Newest first, optionally within one country (a partner's list) or one status.
    await db.query(`CREATE INDEX aid_request_views_filed_idx ON aid_request_views (filed_at DESC, id DESC)`);
    await db.query(
      `CREATE INDEX aid_request_views_country_filed_idx ON aid_request_views (country, filed_at DESC, id DESC)`,
    );
    await db.query(`CREATE INDEX aid_request_views_status_filed_idx ON aid_request_views (status, filed_at DESC, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE aid_request_views`);
  }
}
