import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { retryUntilDone } from '../common/retry-until-done';
import { ThrottledWarning } from '../common/throttled-warning';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { QueueProducer } from './queue-producer';

/**
 * Recurring jobs, as BullMQ job schedulers (one per id however many workers start): the sweep for
 * missed SLA deadlines, the closing of due review rounds, the purge of old idempotency keys and the
 * sweep for webhook deliveries whose jobs were lost.
 * Registered in the background so that a worker starting while Redis is away keeps retrying.
 */
@Injectable()
export class QueueSchedules implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly retrying = new ThrottledWarning(new Logger('schedules'), 'could not register job schedulers yet (retrying)', 60_000);
  private readonly stopping = new AbortController();
  private registering?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly producer: QueueProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.registering = this.registerUntilDone();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.registering;
  }

  private async registerUntilDone(): Promise<void> {
    await retryUntilDone(() => this.ensureRegistered(), {
      signal: this.stopping.signal,
      stepMs: 200,
      maxDelayMs: 5_000,
      onFailure: (error) => this.retrying.log(error),
    });
  }

  /**
   * Registers every scheduler that Redis does not hold (all of them at start-up, and again after
   * Redis restarted empty), and every one whose next run was lost while the scheduler itself
   * survived (a partial loss); one that is whole is left as it is, so its next run is not moved.
   */
  async ensureRegistered(): Promise<void> {
    for (const { queue, id, every, name } of this.schedules()) {
      const target = this.producer.queue(queue);
      await this.producer.assertReady(target);
      const scheduler = await target.getJobScheduler(id);
      // BullMQ keeps a scheduler's next run as the job `repeat:<id>:<next>`.
      if (scheduler?.next !== undefined && (await target.getJobState(`repeat:${id}:${scheduler.next}`)) !== 'unknown') continue;
      await target.upsertJobScheduler(id, { every }, { name, data: {} });
    }
  }

  private schedules() {
    return [
      { queue: 'sla', id: 'sla-sweep', every: this.config.slaSweepIntervalMs, name: 'sweep-missed-deadlines' },
      { queue: 'capacity-grants', id: 'review-round-closer', every: this.config.reviewRoundCheckIntervalMs, name: 'close-review-rounds' },
      { queue: 'maintenance', id: 'idempotency-purge', every: this.config.idempotencyPurgeIntervalMs, name: 'purge-idempotency-keys' },
      // Listed here, not beside the webhook processor, so that the recovery sweep puts it back
      // after Redis lost its data: otherwise the jobs lost with Redis would never be found again.
      { queue: 'webhooks', id: 'webhook-sweep', every: webhookSweepEveryMs(this.config.reconcileAfterMs), name: 'sweep-lost-deliveries' },
    ] as const;
  }
}

/** The webhook sweep runs as often as the recovery sweep (half of RECONCILE_AFTER_MS), at most once a minute apart. */
export function webhookSweepEveryMs(reconcileAfterMs: number): number {
  return Math.min(60_000, Math.max(100, Math.floor(reconcileAfterMs / 2)));
}
