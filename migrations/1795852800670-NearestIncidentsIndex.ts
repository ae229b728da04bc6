import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The incident assessment finds a request's likely duplicates as the few incidents of its country
 * detected nearest to it: the nearest at or after it and the nearest before it, each read in the
 * order of this index until enough are found. With the request id as the index's last column, the
 * order (detection time, id) is the index's own, so the reads stop after a handful of entries even
 * when a country files hundreds of incidents detected at the same moment (one attack, reported by
 * every ministry it hit). Before, each assessment read and sorted every open incident of the
 * country within 72 hours: quadratic work in a wave of filings.
 */
export class NearestIncidentsIndex1795852800670 implements MigrationInterface {
  name = 'NearestIncidentsIndex1795852800670';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX aid_request_views_incidents_idx`);
    await db.query(`CREATE INDEX aid_request_views_incidents_idx ON aid_request_views (country, detected_at, id) WHERE kind = 'incident_response'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX aid_request_views_incidents_idx`);
    await db.query(`CREATE INDEX aid_request_views_incidents_idx ON aid_request_views (country, detected_at) WHERE kind = 'incident_response'`);
  }
}
