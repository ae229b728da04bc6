import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventLogSubscription, EventStore, fold, type RecordedEvent } from '@app/event-store';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import { AID_REQUEST_STREAM_TYPE, type AidRequestEvent } from '../../aid-requests/domain/aid-request.events';
import type { AidRequestView } from '../../aid-requests/projections/aid-request-view';
import { ThrottledWarning } from '../../common/throttled-warning';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { eventLogSettings } from '../../database/event-log-settings';
import type { JobRequest } from '../../queues/queue-definitions';
import { QueueProducer } from '../../queues/queue-producer';
import { WEBHOOK_ENDPOINT_STREAM_TYPE, type WebhookEndpointEvent } from '../domain/webhook-endpoint.events';
import { endpointReceives, isAlertType, type MessageType } from '../domain/webhook-types';
import { AlertMailStore, type NewAlertMail } from '../mail/alert-mail.store';
import { alertMail } from '../mail/alert-mail-text';
import type { WebhookEndpointView } from '../webhooks/webhook-endpoint-view';
import { WebhookDeliveryStore, type NewDelivery } from '../webhooks/webhook-delivery.store';
import { WebhookEndpointStore } from '../webhooks/webhook-endpoint.store';
import { deliverJob } from './deliver-job';
import { mailId, messageId, messageTypesFor, NOTIFIED_AID_REQUEST_EVENT_TYPES, requestMessageBody } from './notification-messages';

export const NOTIFICATIONS_CONSUMER = 'notifications';

/**
 * Every event of an endpoint's stream: a test or a retry is turned into a message, and any of them
 * means the list of active endpoints held here must be read again (the compiler keeps this complete).
 */
const ENDPOINT_EVENTS: { readonly [T in WebhookEndpointEvent['type']]: true } = {
  WebhookEndpointRegistered: true,
  WebhookSecretRotated: true,
  WebhookEndpointDeleted: true,
  WebhookEndpointDisabled: true,
  WebhookTestRequested: true,
  WebhookDeliveryRetryRequested: true,
};
const ENDPOINT_EVENT_TYPES = Object.keys(ENDPOINT_EVENTS);

/**
 * Once caught up, the fan-out reads the log at most this often (the first commit after a quiet
 * spell is read at once). Webhooks and alert mails need not follow each commit within
 * milliseconds, and every commit wakes every consumer: at 200 filings/s, reading at each wake-up
 * made the fan-out's reads over a third of the worker's statements (about 9,100 of 24,700 in 20 s
 * measured), for an event or two each.
 */
const FAN_OUT_INTERVAL_MS = 50;

/**
 * The notifications' consumer of the outbox: tails the event log in commit order (gap-safe, like
 * the relay, with its own checkpoint) and turns each event of interest into one message per
 * matching endpoint, plus one alert e-mail per recipient, each with an id derived from the event.
 * Messages are recorded, then enqueued, then the checkpoint advances: a crash in between records
 * and enqueues the same ids again, which changes nothing.
 */
@Injectable()
export class NotificationFanOut implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly subscription: EventLogSubscription;
  private readonly retrying = new ThrottledWarning(new Logger('notifications'), 'notification fan-out is retrying');
  private readonly mailTo: readonly string[];
  /**
   * The active endpoints, read again after any endpoint event this consumer reaches in the log:
   * every change to an endpoint is an event of its stream, appended with its row in
   * webhook_endpoints, so no batch sees a list older than the events before it.
   */
  private active: Promise<readonly WebhookEndpointView[]> | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly eventStore: EventStore,
    private readonly endpoints: WebhookEndpointStore,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly mails: AlertMailStore,
    private readonly producer: QueueProducer,
  ) {
    this.mailTo = config.notifications.mail?.to ?? [];
    this.subscription = new EventLogSubscription(eventStore, {
      name: NOTIFICATIONS_CONSUMER,
      ...eventLogSettings(config),
      types: [...NOTIFIED_AID_REQUEST_EVENT_TYPES, ...ENDPOINT_EVENT_TYPES],
      minReadIntervalMs: FAN_OUT_INTERVAL_MS,
      handle: (events) => this.fanOut(events),
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

  private async fanOut(events: readonly RecordedEvent[]): Promise<void> {
    if (this.active === undefined || events.some((event) => event.streamType === WEBHOOK_ENDPOINT_STREAM_TYPE)) this.active = this.endpoints.listActive();
    const read = this.active;
    // A failed read is not kept: the batch is retried and reads again.
    const active = await read.catch((error: unknown) => {
      if (this.active === read) this.active = undefined;
      throw error;
    });
    const deliveries: NewDelivery[] = [];
    const mails: NewAlertMail[] = [];
    const jobs: JobRequest[] = [];
    // The streams of the requests some endpoint (or the alert mail) may want, read in one round trip.
    const wanted = events.filter((event) => event.streamType === AID_REQUEST_STREAM_TYPE && this.mayNotify(event, active));
    const streams = await this.eventStore.readStreams(wanted.map((event) => event.streamId));
    for (const event of wanted) {
      const stream = streams.get(event.streamId) ?? [];
      const first = stream[0];
      const country = first?.type === 'AidRequestFiled' ? (first.data as { country: string }).country : null;
      const types = messageTypesFor({ type: event.type, data: event.data } as AidRequestEvent);
      const targets = types.flatMap((type) => active.filter((endpoint) => endpointReceives(endpoint, type, country)).map((endpoint) => ({ type, endpoint })));
      const alerts = this.mailTo.length === 0 ? [] : types.filter(isAlertType);
      if (targets.length === 0 && alerts.length === 0) continue;
      const view = requestAfter(event, stream);
      for (const { type, endpoint } of targets) deliveries.push(this.requestDelivery(type, event, endpoint, view));
      for (const type of alerts) {
        for (const recipient of this.mailTo) mails.push({ id: mailId(event.eventId, type, recipient), eventId: event.eventId, type, recipient, ...alertMail(type, view, event) });
      }
    }
    for (const event of events) {
      if (event.type === 'WebhookTestRequested') {
        const data = (event as unknown as WebhookEndpointEvent & { type: 'WebhookTestRequested' }).data;
        const endpoint = active.find((candidate) => candidate.id === data.endpointId);
        if (endpoint === undefined) continue;
        const body = JSON.stringify({ type: 'webhook.test', timestamp: event.recordedAt.toISOString(), data: { endpointId: endpoint.id } });
        deliveries.push({ id: data.deliveryId, endpointId: endpoint.id, eventId: event.eventId, type: 'webhook.test', requestId: null, position: event.position, body });
      } else if (event.type === 'WebhookDeliveryRetryRequested') {
        const data = (event as unknown as WebhookEndpointEvent & { type: 'WebhookDeliveryRetryRequested' }).data;
        const series = await this.deliveries.restart(data.deliveryId, event.eventId);
        if (series !== undefined) jobs.push(deliverJob(data.deliveryId, series));
      }
    }
    await this.deliveries.insert(deliveries);
    await this.mails.insert(mails);
    jobs.push(...deliveries.map((delivery) => deliverJob(delivery.id, 0)));
    jobs.push(...mails.map((mail): JobRequest => ({ queue: 'alert-mail', name: 'send-alert-mail', data: { mailId: mail.id }, jobId: mail.id })));
    if (jobs.length > 0) await this.producer.add(jobs);
  }

  /** Whether any endpoint could receive a message about this event (whatever the request's country), or it is an alert to mail. */
  private mayNotify(event: RecordedEvent, active: readonly WebhookEndpointView[]): boolean {
    const types = messageTypesFor({ type: event.type, data: event.data } as AidRequestEvent);
    if (this.mailTo.length > 0 && types.some(isAlertType)) return true;
    return types.some((type) => active.some((endpoint) => endpoint.events.includes(type)));
  }

  private requestDelivery(type: MessageType, event: RecordedEvent, endpoint: WebhookEndpointView, view: AidRequestView): NewDelivery {
    return {
      id: messageId(event.eventId, endpoint.id, type),
      endpointId: endpoint.id,
      eventId: event.eventId,
      type,
      requestId: view.id,
      position: event.position,
      body: requestMessageBody(type, event, view),
    };
  }
}

/** The request as it was right after `event`, folded from its stream. */
function requestAfter(event: RecordedEvent, stream: readonly RecordedEvent[]): AidRequestView {
  const upTo = stream.filter((e) => e.version <= event.version) as unknown as AidRequestEvent[];
  const requestId = event.streamId.slice(AID_REQUEST_STREAM_TYPE.length + 1);
  return aidRequests.projection.view(requestId, fold(aidRequests.decider, upTo), event.version);
}
