import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { UnrecoverableError, type Job } from 'bullmq';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { jobTrace, systemContext } from '../../queues/job-context';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData, JobName } from '../../queues/queue-definitions';
import { QueueProducer } from '../../queues/queue-producer';
import { deliverJob } from '../fan-out/deliver-job';
import type { WebhookEndpointCommand } from '../domain/webhook-endpoint.commands';
import { SecretBox } from '../webhooks/secret-box';
import { webhookEndpoints } from '../webhooks/webhook-endpoint.aggregate';
import { WebhookDeliveryStore } from '../webhooks/webhook-delivery.store';
import { DeliveryMetrics } from './delivery-metrics';
import { signatureHeader } from './webhook-signature';
import { WebhookSender } from './webhook-sender';

const SWEEP_BATCH = 5_000;

/**
 * `webhooks`: one attempt at one message. Every attempt is recorded; a failed one is retried on
 * the configured schedule (BullMQ's backoff, from this processor); after the last, the delivery is
 * `failed` and the job dead-lettered. A 410 disables the endpoint. A delivery whose endpoint was
 * deleted or disabled meanwhile ends without an attempt.
 */
@Injectable()
export class DeliverWebhookProcessor implements JobProcessor<'webhooks'> {
  readonly queue = 'webhooks' as const;
  private readonly logger = new Logger('webhooks');
  private readonly retryDelaysMs: readonly number[];
  /**
   * How long past its due time a pending delivery must be before the sweep re-enqueues it: the
   * recovery threshold of every lost job (RECONCILE_AFTER_MS). A delivery that is only late is
   * still in its queue under the same job id, so adding it again changes nothing.
   */
  private readonly sweepAfterMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly box: SecretBox,
    private readonly sender: WebhookSender,
    private readonly commandBus: CommandBus,
    private readonly clock: Clock,
    private readonly metrics: DeliveryMetrics,
    private readonly producer: QueueProducer,
  ) {
    this.retryDelaysMs = config.notifications.webhooks.retryDelaysMs;
    this.sweepAfterMs = config.reconcileAfterMs;
  }

  /** Opened secrets, by sealed value: opening is cheap but not free, and every message needs it. */
  private readonly opened = new Map<string, string>();

  private openSecret(endpointId: string, sealed: string): string {
    let secret = this.opened.get(sealed);
    if (secret === undefined) {
      secret = this.box.open(endpointId, sealed);
      if (this.opened.size >= 10_000) this.opened.clear();
      this.opened.set(sealed, secret);
    }
    return secret;
  }

  backoffDelayMs(attemptsMade: number): number {
    return this.retryDelaysMs[Math.min(attemptsMade, this.retryDelaysMs.length) - 1] ?? 1_000;
  }

  async process(job: Job<JobData<'webhooks'>, unknown, JobName<'webhooks'>>): Promise<void> {
    if (job.name === 'sweep-lost-deliveries') return this.sweep();
    await this.deliver(job as Job<JobData<'webhooks', 'deliver'>>);
  }

  /** Pending deliveries with no attempt for RECONCILE_AFTER_MS past their due time lost their jobs: enqueue them again. */
  private async sweep(): Promise<void> {
    const lost = await this.deliveries.overdue(this.sweepAfterMs, SWEEP_BATCH);
    if (lost.length === 0) return;
    this.logger.warn(`re-enqueueing ${lost.length} overdue webhook deliveries`);
    await this.producer.add(lost.map(({ id, series }) => deliverJob(id, series)));
  }

  private async deliver(job: Job<JobData<'webhooks', 'deliver'>>): Promise<void> {
    const { deliveryId, series } = job.data;
    const found = await this.deliveries.findWithEndpoint(deliveryId);
    // Already delivered or ended, or superseded by a manual retry's series: nothing to do.
    if (found === undefined || found.delivery.status !== 'pending' || found.delivery.series !== series) return;
    const { delivery, endpoint } = found;
    if (endpoint === undefined || endpoint.status !== 'active') {
      await this.deliveries.abandon(deliveryId, `the endpoint is ${endpoint?.status ?? 'gone'}: not sent`);
      return;
    }
    const now = this.clock.now();
    const secrets = endpoint.secrets
      .filter((secret) => secret.validUntil === null || Date.parse(secret.validUntil) > now.getTime())
      .map((secret) => this.openSecret(endpoint.id, secret.sealed));
    const timestamp = Math.floor(now.getTime() / 1000);
    const outcome = await this.sender.send({
      url: endpoint.url,
      body: delivery.body,
      headers: { 'webhook-id': deliveryId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, deliveryId, timestamp, delivery.body) },
    });
    const attempt = job.attemptsMade + 1;
    const delivered = outcome.statusCode !== undefined && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const gone = outcome.statusCode === 410;
    const last = gone || attempt > this.retryDelaysMs.length;
    const result = delivered ? 'delivered' : last ? 'failed' : 'retrying';
    this.metrics.attempt('webhook', result, outcome.durationMs);
    await this.deliveries.recordAttempt({
      deliveryId,
      series,
      outcome: result,
      statusCode: outcome.statusCode ?? null,
      error: outcome.error ?? null,
      durationMs: outcome.durationMs,
      nextAttemptAt: result === 'retrying' ? new Date(now.getTime() + this.backoffDelayMs(attempt)) : null,
    });
    if (delivered) return;
    if (gone) {
      const command: WebhookEndpointCommand = {
        type: 'DisableWebhookEndpoint',
        data: { reason: `the receiver answered 410 Gone to ${deliveryId}` },
        context: systemContext(this.queue, now),
      };
      await this.commandBus.execute(ExecuteCommand.on(webhookEndpoints, endpoint.id, command, { trace: jobTrace(job, undefined) }));
      this.logger.warn(`webhook endpoint ${endpoint.id} answered 410 Gone: disabled`);
    }
    const reason = `delivery ${deliveryId} to endpoint ${endpoint.id}: ${outcome.error ?? 'failed'}`;
    throw last ? new UnrecoverableError(reason) : new Error(reason);
  }
}
