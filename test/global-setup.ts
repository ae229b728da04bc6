import { prepareDatabase } from '../src/database/prepare-database';
import { TEST_TEMPLATE_DATABASE, testServerUrl, withAdminClient } from '../libs/testing/src/test-database';

/** Migrates one template database; every test file clones its own database from it. */
export default async function globalSetup(): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${TEST_TEMPLATE_DATABASE} WITH (FORCE)`);
  });
  await prepareDatabase(testServerUrl(TEST_TEMPLATE_DATABASE));
}
