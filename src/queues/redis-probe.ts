import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { createRedisClient, describeRedisFailure } from './redis-connection';

/** Answers whether Redis is reachable right now, within a second, without queueing commands. */
@Injectable()
export class RedisProbe implements OnApplicationShutdown {
  private readonly client: Redis | Cluster;
  /** The connection's latest error: it says why Redis is away better than the failed command does. */
  private lastError: unknown;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.client = createRedisClient(config, 'producer', { lazyConnect: true, connectionName: 'cdt-fund-health' });
    this.client.on('error', (error) => {
      this.lastError = error;
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
    });
  }

  async ping(): Promise<{ status: 'up' } | { status: 'down'; error: string }> {
    try {
      if (this.client.status === 'wait' || this.client.status === 'end') await this.client.connect();
      const answer = await Promise.race([
        this.client.ping(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 1 s')), 1_000).unref()),
      ]);
      return answer === 'PONG' ? { status: 'up' } : { status: 'down', error: `unexpected answer ${String(answer)}` };
    } catch (error) {
      return { status: 'down', error: describeRedisFailure(this.config.redisUrl, this.lastError ?? error) };
    }
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
