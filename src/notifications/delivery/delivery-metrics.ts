import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram } from 'prom-client';
import { PG_POOL } from '../../database/pg-pool';
import { MetricsService } from '../../metrics/metrics.service';

/** Delivery figures on /metrics: attempts by outcome, and how long receivers took to answer. */
@Injectable()
export class DeliveryMetrics {
  private readonly attempts: Counter<'channel' | 'outcome'>;
  private readonly latency: Histogram<'channel' | 'outcome'>;

  constructor(metrics: MetricsService, @Inject(PG_POOL) pool: Pool) {
    new Gauge({
      name: 'cdt_webhook_deliveries',
      help: 'Webhook deliveries not delivered (yet), by status: pending (being attempted or waiting for a retry) and failed',
      labelNames: ['status'],
      registers: [metrics.registry],
      async collect() {
        const { rows } = await pool.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE status <> 'delivered' GROUP BY status`,
        );
        this.reset();
        for (const status of ['pending', 'failed']) this.set({ status }, rows.find((row) => row.status === status)?.n ?? 0);
      },
    });
    this.attempts = new Counter({
      name: 'cdt_notification_attempts_total',
      help: 'Delivery attempts of webhooks and alert e-mail, by channel and outcome (delivered, retrying, failed)',
      labelNames: ['channel', 'outcome'],
      registers: [metrics.registry],
    });
    this.latency = new Histogram({
      name: 'cdt_notification_attempt_seconds',
      help: 'How long one delivery attempt took (connect to answer), by channel and outcome',
      labelNames: ['channel', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
  }

  attempt(channel: 'webhook' | 'email', outcome: 'delivered' | 'retrying' | 'failed', durationMs: number): void {
    this.attempts.inc({ channel, outcome });
    this.latency.observe({ channel, outcome }, durationMs / 1000);
  }
}
