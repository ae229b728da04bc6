import type { RedisOptions } from 'bullmq';

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
