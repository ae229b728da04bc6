import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service';

/** Delivery figures on /metrics: attempts by outcome, and how long receivers took to answer. */
@Injectable()
export class DeliveryMetrics {
  private readonly attempts: Counter<'channel' | 'outcome'>;
  private readonly latency: Histogram<'channel' | 'outcome'>;

  constructor(metrics: MetricsService) {
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
