import { rm } from 'node:fs/promises';
import { testTemplateDatabase, withAdminClient } from '../libs/testing/src/test-database';
import { STARTED_SERVERS, type StartedServer } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${testTemplateDatabase()} WITH (FORCE)`);
  });
  const started = ((globalThis as Record<symbol, unknown>)[STARTED_SERVERS] ?? []) as StartedServer[];
  for (const { server, folder } of started.reverse()) {
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  }
}
