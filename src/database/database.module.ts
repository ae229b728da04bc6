import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppendNotifier, EventStore, UpcasterRegistry } from '@app/event-store';
import type { Pool } from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { createPgPool, PG_POOL } from './pg-pool';

@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createPgPool(config.database, `cdt-fund-${config.role}`),
    },
    // Each aggregate's module registers the upcasters of its old event versions (AidRequestsModule).
    { provide: UpcasterRegistry, useFactory: () => new UpcasterRegistry() },
    {
      provide: EventStore,
      inject: [PG_POOL, UpcasterRegistry],
      useFactory: (pool: Pool, upcasters: UpcasterRegistry) => new EventStore(pool, { upcasters, notifier: new AppendNotifier(pool) }),
    },
  ],
  exports: [PG_POOL, EventStore, UpcasterRegistry],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
