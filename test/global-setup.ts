import { randomBytes } from 'node:crypto';
import { prepareDatabase } from '../src/database/prepare-database';
import { testServerUrl } from '../libs/testing/src/test-database';

/**
 * Migrates one template database for this run; every test file clones its own database from it.
 * Its name reaches the test workers through the environment they inherit.
 */
export default async function globalSetup(): Promise<void> {
  const name = `cdt_fund_test_template_${randomBytes(4).toString('hex')}`;
  process.env['CDT_TEST_TEMPLATE_DATABASE'] = name;
  await prepareDatabase(testServerUrl(name));
}
