import type { ConnectionOptions, RedisOptions } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { settleWithin } from '../common/bounded';
import type { AppConfig } from '../config/app-config';

/** Where Redis is: REDIS_URL, and REDIS_CLUSTER_NODES when it is a cluster. */
export type RedisTarget = Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>;

/**
 * ioredis options from REDIS_URL. Workers block on Redis and must retry forever
 * (`maxRetriesPerRequest: null`); request-path producers must fail fast instead of queueing
 * commands while Redis is away.
 */
export function redisOptions(url: string, purpose: 'worker' | 'producer'): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  const base: RedisOptions = {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: Number.isInteger(db) ? db : 0,
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    connectionName: `cdt-fund-${purpose}`,
  };
  return purpose === 'worker'
    ? { ...base, maxRetriesPerRequest: null, enableReadyCheck: true }
    : { ...base, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, retryStrategy: (times) => Math.min(times * 200, 2_000) };
}

/** Wrapping the prefix in braces makes it a Redis Cluster hash tag: all of a queue's keys land in one slot. */
export function queuePrefix(prefix: string): string {
  return prefix.startsWith('{') ? prefix : `{${prefix}}`;
}

/** `host:port` of a Redis URL, without its credentials. */
export function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port === '' ? '6379' : parsed.port}`;
}

/**
 * One sentence an operator can act on: what happened, where, and which variable says where
 * ("refused at 127.0.0.1:6379 (REDIS_URL)").
 */
export function describeRedisFailure(url: string, error: unknown): string {
  const code = (error as { code?: string } | null | undefined)?.code;
  const what =
    code === 'ECONNREFUSED'
      ? 'refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : code === 'ETIMEDOUT'
          ? 'timed out'
          : `unreachable (${error instanceof Error ? error.message : String(error)})`;
  return `${what} at ${redisAddress(url)} (REDIS_URL)`;
}

/**
 * A client of its own: the one server of REDIS_URL, or, with REDIS_CLUSTER_NODES, a cluster client
 * seeded with those nodes (each node connection takes REDIS_URL's credentials, TLS and the
 * purpose's retry behaviour).
 */
export function createRedisClient(target: RedisTarget, purpose: 'worker' | 'producer', extra: RedisOptions = {}): Redis | Cluster {
  const options = { ...redisOptions(target.redisUrl, purpose), ...extra };
  if (target.redisClusterNodes === undefined) return new Redis(options);
  const { host: _host, port: _port, db: _db, enableOfflineQueue, lazyConnect, enableReadyCheck, ...perNode } = options;
  return new Cluster(
    target.redisClusterNodes.map((node) => ({ host: node.host, port: node.port })),
    {
      redisOptions: perNode,
      enableOfflineQueue: enableOfflineQueue !== false,
      lazyConnect: lazyConnect === true,
      enableReadyCheck: enableReadyCheck !== false,
      clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
    },
  );
}

/**
 * BullMQ's connection: options for one server (BullMQ opens its connections from them), or a
 * cluster client (BullMQ uses it, and duplicates it for a worker's blocking commands). BullMQ does
 * not close a client it was given: `dispose` does, after the queue or worker is closed.
 */
export function bullmqConnection(target: RedisTarget, purpose: 'worker' | 'producer'): { connection: ConnectionOptions; dispose: () => void } {
  if (target.redisClusterNodes === undefined) return { connection: redisOptions(target.redisUrl, purpose), dispose: () => undefined };
  const client = createRedisClient(target, purpose);
  client.on('error', () => undefined); // BullMQ reports through the queue's or worker's own listener
  return { connection: client, dispose: () => client.disconnect() };
}

/**
 * Closes a BullMQ queue or worker for good, waiting at most `closeMs` for its close. With Redis
 * away that close can time out, or give up without ending the connection (its QUIT cannot be
 * sent), and the connection then retries for ever and holds the process open: so the connection
 * is dropped afterwards as well, which after a clean close does nothing.
 */
export async function closeForGood(closable: { close(): Promise<void>; disconnect(): Promise<void> }, closeMs: number): Promise<void> {
  await settleWithin(closable.close(), closeMs);
  await settleWithin(closable.disconnect(), 1_000);
}
