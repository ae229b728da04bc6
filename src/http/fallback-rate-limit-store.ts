import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import type { Cluster, Redis } from 'ioredis';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];

/** Counters kept in this process while Redis is away (the plugin's LRU store). */
const LOCAL_CACHE_ENTRIES = 10_000;

/**
 * The rate-limit plugin's Redis store, shared by every API process, falling back to the plugin's
 * in-process store while Redis is unreachable or slow: limits keep applying per process and
 * requests never wait on Redis (the client does not queue commands while disconnected). Both are
 * @fastify/rate-limit's own counters; this only chooses between them.
 */
export class FallbackRateLimitStore implements FastifyRateLimitStore {
  private readonly shared: FastifyRateLimitStore;
  private readonly local: FastifyRateLimitStore;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly namespace: string,
  ) {
    this.shared = new RedisStore(false, false, redis, namespace);
    this.local = new LocalStore(false, false, LOCAL_CACHE_ENTRIES);
  }

  /** The constructor the plugin's `store` option takes, bound to this Redis client and key namespace. */
  static using(redis: Redis | Cluster, namespace: string): FastifyRateLimitStoreCtor {
    return class extends FallbackRateLimitStore {
      constructor() {
        super(redis, namespace);
      }
    };
  }

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    if (this.redis.status !== 'ready') {
      this.local.incr(key, callback, timeWindow, max);
      return;
    }
    this.shared.incr(
      key,
      (error, result) => {
        if (error !== null || result === undefined) this.local.incr(key, callback, timeWindow, max);
        else callback(null, result);
      },
      timeWindow,
      max,
    );
  }

  child(): FastifyRateLimitStore {
    return this;
  }
}
