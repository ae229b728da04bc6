import { testTemplateDatabase, withAdminClient } from '../libs/testing/src/test-database';

export default async function globalTeardown(): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${testTemplateDatabase()} WITH (FORCE)`);
  });
}
