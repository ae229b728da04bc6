import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { Clock } from '../clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { PG_POOL } from '../../database/pg-pool';
import type { JobProcessor } from '../../queues/job-processor';

/** Rows deleted per statement, so that a large purge never holds locks for long. */
const BATCH = 5_000;

/** `maintenance`: forgets idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS. */
@Injectable()
export class PurgeIdempotencyKeysProcessor implements JobProcessor<'maintenance'> {
  readonly queue = 'maintenance' as const;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async process(): Promise<void> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.idempotencyKeyTtlMs);
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2))`,
        [cutoff, BATCH],
      );
      if ((rowCount ?? 0) < BATCH) return;
    }
  }
}
