import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { redisOptions } from './redis-connection';

/** Answers whether Redis is reachable right now, within a second, without queueing commands. */
@Injectable()
export class RedisProbe implements OnApplicationShutdown {
  private readonly client: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = new Redis({ ...redisOptions(config.redisUrl, 'producer'), lazyConnect: true, connectionName: 'cdt-fund-health' });
    this.client.on('error', () => undefined);
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
      return { status: 'down', error: error instanceof Error ? error.message : String(error) };
    }
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
