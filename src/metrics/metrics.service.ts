import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { PG_POOL } from '../database/pg-pool';
import { QueueProducer } from '../queues/queue-producer';
import { QUEUE_NAMES } from '../queues/queue-definitions';
import { SigningKeyCheck } from '../audit/signing-key-check';

/**
 * Prometheus metrics, computed when scraped: how far each event-log consumer lags behind the log
 * (a long transaction anywhere holds them all back), queue depths, dead letters, and the process.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor(
    @Inject(PG_POOL) pool: Pool,
    queues: QueueProducer,
    signingKey: SigningKeyCheck,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cdt_' });
    new Gauge({
      name: 'cdt_consumer_lag_seconds',
      help: 'Age of the oldest committed event a consumer (relay, sealer) has not handled yet; 0 when caught up',
      labelNames: ['consumer'],
      registers: [this.registry],
      async collect() {
        const { rows } = await pool.query<{ consumer: string; lag: number | null }>(
          `SELECT c.consumer,
                  (SELECT extract(epoch FROM now() - e.recorded_at)::float8 FROM events e
                   WHERE (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
                   ORDER BY e.transaction_id, e.global_position LIMIT 1) AS lag
           FROM consumer_checkpoints c`,
        );
        this.reset();
        for (const row of rows) this.set({ consumer: row.consumer }, Math.max(0, row.lag ?? 0));
      },
    });
    new Gauge({
      name: 'cdt_audit_signing_key_refused',
      help: '1 while the sealer refuses to sign: the signing key differs from the last checkpoint\'s, which AUDIT_PREVIOUS_PUBLIC_KEYS does not list',
      registers: [this.registry],
      async collect() {
        this.set((await signingKey.status()).ok ? 0 : 1);
      },
    });
    new Gauge({
      name: 'cdt_dead_letters',
      help: 'Jobs that failed for good, by queue',
      labelNames: ['queue'],
      registers: [this.registry],
      async collect() {
        const { rows } = await pool.query<{ queue: string; n: number }>('SELECT queue, count(*)::int AS n FROM dead_letters GROUP BY queue');
        this.reset();
        for (const row of rows) this.set({ queue: row.queue }, row.n);
      },
    });
    new Gauge({
      name: 'cdt_queue_jobs',
      help: 'Jobs per queue and state (absent while Redis is unreachable)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const name of QUEUE_NAMES) {
          const queue = queues.queue(name);
          try {
            await queues.assertReady(queue);
            const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
            for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
          } catch {
            // Redis away: the queue gauges are left out rather than reported as zero.
          }
        }
      },
    });
  }
}
