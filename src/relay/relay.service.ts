import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventLogSubscription, EventStore, type RecordedEvent } from '@app/event-store';
import { Clock } from '../common/clock';
import { ThrottledWarning } from '../common/throttled-warning';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { eventLogSettings } from '../database/event-log-settings';
import { QueueProducer } from '../queues/queue-producer';
import { reactionsTo, RELAYED_EVENT_TYPES } from './relay.reactions';

export const RELAY_CONSUMER = 'relay';

/**
 * The outbox: tails the event log in commit order (gap-safe) and turns committed events into
 * jobs, then advances its checkpoint. A crash between the two re-enqueues the same job ids, which
 * BullMQ ignores while the jobs exist and the idempotent processors ignore after. Only one relay
 * runs across all worker processes.
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly subscription: EventLogSubscription;
  private readonly retrying = new ThrottledWarning(new Logger('relay'), 'relay is retrying');

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    eventStore: EventStore,
    private readonly producer: QueueProducer,
    private readonly clock: Clock,
  ) {
    this.subscription = new EventLogSubscription(eventStore, {
      name: RELAY_CONSUMER,
      ...eventLogSettings(config),
      types: RELAYED_EVENT_TYPES,
      handle: (events) => this.relay(events),
      onError: (error) => this.retrying.log(error),
    });
  }

  get isLeader(): boolean {
    return this.subscription.isLeader;
  }

  onApplicationBootstrap(): void {
    this.subscription.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription.stop();
  }

  private async relay(events: readonly RecordedEvent[]): Promise<void> {
    const now = this.clock.now();
    const jobs = events.flatMap((event) => reactionsTo(event, now));
    if (jobs.length > 0) await this.producer.add(jobs);
  }
}
