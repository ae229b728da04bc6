import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { answers, freePort } from './ports';
import { stopLeftover } from './processes';
import type { LocalServer } from './local-server';

export class RedisNotFoundError extends Error {
  override readonly name = 'RedisNotFoundError';
}

/**
 * `redis-server` from PATH as a child process, with its data in `<dataDir>/redis` (append-only file,
 * so queued jobs survive a restart) and `maxmemory-policy noeviction` as BullMQ needs. It is killed
 * with the service; one left running by a service that was killed is stopped at the next start
 * (its pid file), so that two never write the same files.
 */
export async function startChildRedis(
  dataDir: string,
  logger: Logger,
  { command = 'redis-server', reservedPorts = [] }: { readonly command?: string; readonly reservedPorts?: readonly number[] } = {},
): Promise<LocalServer> {
  const dir = join(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const pidFile = join(dir, 'redis-server.pid');
  if (await stopLeftover(pidFile, 'SIGTERM')) logger.warn('stopped a redis-server left running by an earlier start');
  const port = await freePort(reservedPorts);
  const child = spawn(
    command,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--pidfile', pidFile, '--daemonize', 'no', '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  const failed = once(child, 'error').then(([error]) => {
    throw (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? new RedisNotFoundError(
          'REDIS_URL is not set, nothing answers at 127.0.0.1:6379 and redis-server is not on PATH: ' +
            'install Redis (e.g. apt-get install redis-server) or set REDIS_URL to a running one',
        )
      : (error as Error);
  });
  const started = (async () => {
    for (let i = 0; i < 100 && !(await answers('127.0.0.1', port)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  })();
  await Promise.race([started, failed]);
  if (!(await answers('127.0.0.1', port))) throw new Error(`redis-server did not start on port ${port}`);
  logger.info(`REDIS_URL is not set and nothing answers at 127.0.0.1:6379: started redis-server (port ${port}, data in ${dir})`);
  const exited = once(child, 'exit');
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
