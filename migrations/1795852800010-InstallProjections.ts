import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AID_REQUEST_VIEW_PROJECT_FUNCTION } from '../src/aid-requests/projections/aid-request-view.projection';
import { FUND_VIEW_PROJECT_FUNCTION } from '../src/funds/projections/fund-view.projection';

/**
 * The projection functions now live with their projections (the TS file holds both the mapping and
 * the SQL); this installs them from there. A later change to a projection's SQL re-installs it in a
 * migration of its own, like this one; test/database/projection-functions.e2e-spec.ts fails until
 * it does. The text installed here does what 1795852800006 installed, statement for statement.
 */
export class InstallProjections1795852800010 implements MigrationInterface {
  name = 'InstallProjections1795852800010';

  async up(db: QueryRunner): Promise<void> {
    await db.query(AID_REQUEST_VIEW_PROJECT_FUNCTION);
    await db.query(FUND_VIEW_PROJECT_FUNCTION);
  }

  async down(): Promise<void> {
    // Nothing to undo: the functions before this migration did the same (1795852800006).
  }
}
