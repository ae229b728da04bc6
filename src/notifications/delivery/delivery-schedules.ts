import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { retryUntilDone } from '../../common/retry-until-done';
import { ThrottledWarning } from '../../common/throttled-warning';
import { QueueProducer } from '../../queues/queue-producer';

/** How often pending deliveries are checked for lost jobs. */
const SWEEP_EVERY_MS = 60_000;

/**
 * The webhook queue's recurring sweep (a BullMQ job scheduler: one however many workers start),
 * registered in the background so that a worker starting while Redis is away keeps retrying.
 */
@Injectable()
export class DeliverySchedules implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly retrying = new ThrottledWarning(new Logger('schedules'), 'could not register the webhook sweep yet (retrying)', 60_000);
  private readonly stopping = new AbortController();
  private registering?: Promise<void>;

  constructor(private readonly producer: QueueProducer) {}

  onApplicationBootstrap(): void {
    this.registering = retryUntilDone(
      async () => {
        const queue = this.producer.queue('webhooks');
        await this.producer.assertReady(queue);
        await queue.upsertJobScheduler('webhook-sweep', { every: SWEEP_EVERY_MS }, { name: 'sweep-lost-deliveries', data: {} });
      },
      { signal: this.stopping.signal, stepMs: 200, maxDelayMs: 5_000, onFailure: (error) => this.retrying.log(error) },
    ).then(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.registering;
  }
}
