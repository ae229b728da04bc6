import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/env.schema';
import { startChildRedis } from './child-redis';
import { startEmbeddedPostgres } from './embedded-postgres';
import type { LocalServer } from './local-server';
import { answers } from './ports';

export interface LocalServices {
  /** The configuration with the URLs of the servers started here. */
  readonly config: AppConfig;
  /** Stops what was started here, newest first. */
  stop(): Promise<void>;
}

/**
 * Zero set-up: outside production, the single-process service (APP_ROLE=all) without
 * DATABASE_URL starts an embedded PostgreSQL, and without REDIS_URL, when nothing answers at
 * 127.0.0.1:6379, a child redis-server. Production and split roles need both URLs.
 */
export async function startLocalServices(config: AppConfig, logger: Logger): Promise<LocalServices> {
  const { database, redis } = config.unsetUrls;
  if ((database || redis) && (config.nodeEnv === 'production' || config.role !== 'all')) {
    const missing = [database ? 'DATABASE_URL' : undefined, redis ? 'REDIS_URL' : undefined].filter(Boolean).join(' and ');
    const why = config.nodeEnv === 'production' ? 'NODE_ENV=production' : `APP_ROLE=${config.role}`;
    throw new ConfigError([`${missing} must be set with ${why}: only the single development process starts its own servers`]);
  }
  const started: LocalServer[] = [];
  const stop = async (): Promise<void> => {
    for (const server of started.reverse()) await server.stop().catch(() => undefined);
  };
  // The service binds its HTTP port after these servers start: neither may take it meanwhile.
  const reserved = [config.port];
  try {
    let resolved = config;
    if (database) {
      const postgres = await startEmbeddedPostgres(config.dataDir, logger, reserved);
      started.push(postgres);
      resolved = { ...resolved, database: { ...resolved.database, url: postgres.url } };
    }
    if (redis && !(await answers('127.0.0.1', 6379))) {
      const child = await startChildRedis(config.dataDir, logger, { reservedPorts: reserved });
      started.push(child);
      resolved = { ...resolved, redisUrl: child.url };
    }
    return { config: resolved, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
