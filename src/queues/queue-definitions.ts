import type { DefaultJobOptions } from 'bullmq';
import type { SlaDeadline } from '../kernel/sla';

/** The event a job reacts to and the correlation id it inherited (from the HTTP request that started it all). */
export interface JobTrace {
  readonly causationId: string;
  readonly correlationId: string;
  /** The HTTP request the chain started from (its `X-Request-Id`), when there was one. */
  readonly requestId?: string;
  /** W3C trace context of the event's command: the job continues that trace (tracing on only). */
  readonly traceparent?: string;
}

/** An alert to the fund's officers, recorded by the notifications queue (delivery channels come later). */
export interface AlertJob {
  readonly alertId: string;
  readonly kind: 'urgent_incident' | 'sla_breached' | 'possible_duplicate' | 'report_overdue';
  readonly requestId: string;
  readonly trace: JobTrace;
}

type NoData = Record<string, never>;

/** Every queue, its job names and their payloads. Payloads carry ids only: job data is plain text in Redis. */
export interface JobsByQueue {
  readonly triage: { readonly 'triage-request': { readonly requestId: string; readonly trace: JobTrace } };
  readonly 'incident-response': { readonly 'assess-incident': { readonly requestId: string; readonly trace: JobTrace } };
  readonly 'capacity-grants': {
    readonly 'score-request': { readonly requestId: string; readonly trace: JobTrace };
    readonly 'close-review-rounds': NoData;
  };
  readonly sla: {
    readonly 'check-deadline': { readonly requestId: string; readonly deadline: SlaDeadline; readonly dueAt: string; readonly trace: JobTrace };
    readonly 'sweep-missed-deadlines': NoData;
    /** A progress report's due date (or a change to the schedule): record missed reports, then time the next due date. */
    readonly 'check-reports': { readonly requestId: string; readonly dueAt: string; readonly trace: JobTrace };
  };
  readonly notifications: { readonly 'send-alert': AlertJob };
  readonly disbursements: { readonly 'disburse-tranche': { readonly requestId: string; readonly tranche: number; readonly trace: JobTrace } };
  readonly maintenance: { readonly 'purge-idempotency-keys': NoData };
  /** One message to one endpoint; `series` counts manual retries (each a fresh series of attempts). */
  readonly webhooks: {
    readonly deliver: { readonly deliveryId: string; readonly series: number };
    /** Re-enqueues pending deliveries whose jobs are overdue (lost with a Redis that lost its data). */
    readonly 'sweep-lost-deliveries': NoData;
  };
  readonly 'alert-mail': { readonly 'send-alert-mail': { readonly mailId: string } };
}

export type QueueName = keyof JobsByQueue;
export type JobName<Q extends QueueName> = keyof JobsByQueue[Q] & string;
export type JobData<Q extends QueueName, N extends JobName<Q> = JobName<Q>> = JobsByQueue[Q][N];

/** A job to add: typed by queue and name, with a deterministic id (never containing ':'). */
export type JobRequest<Q extends QueueName = QueueName> = Q extends QueueName
  ? {
      [N in JobName<Q>]: {
        readonly queue: Q;
        readonly name: N;
        readonly data: JobData<Q, N>;
        readonly jobId: string;
        readonly priority?: number;
        readonly delayMs?: number;
      };
    }[JobName<Q>]
  : never;

export const QUEUE_NAMES: readonly QueueName[] = ['triage', 'incident-response', 'capacity-grants', 'sla', 'notifications', 'disbursements', 'maintenance', 'webhooks', 'alert-mail'];

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/** Completed jobs are kept a day (their ids deduplicate re-enqueues meanwhile); failed ones a month. */
const RETENTION = {
  removeOnComplete: { age: DAY_S, count: 50_000 },
  removeOnFail: { age: 30 * DAY_S },
} as const;

export interface QueueDefinition {
  readonly jobOptions: DefaultJobOptions & { readonly attempts: number };
  readonly worker: {
    readonly concurrency: number;
    /** Crashed-worker recovery: a job whose lock lapses is retried after about lockDuration + stalledInterval. */
    readonly lockDurationMs: number;
    readonly stalledIntervalMs: number;
    readonly limiter?: { readonly max: number; readonly duration: number };
  };
}

export const QUEUE_DEFINITIONS: Readonly<Record<QueueName, QueueDefinition>> = {
  triage: {
    jobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 200 }, ...RETENTION },
    worker: { concurrency: 16, lockDurationMs: 10_000, stalledIntervalMs: 5_000 },
  },
  'incident-response': {
    jobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 500 }, ...RETENTION },
    worker: { concurrency: 8, lockDurationMs: 10_000, stalledIntervalMs: 5_000 },
  },
  // First in, first out at a bounded rate: scoring reads the fund and is not urgent.
  'capacity-grants': {
    jobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
    worker: { concurrency: 1, lockDurationMs: 30_000, stalledIntervalMs: 30_000, limiter: { max: 20, duration: 1_000 } },
  },
  sla: {
    jobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
    worker: { concurrency: 8, lockDurationMs: 15_000, stalledIntervalMs: 10_000 },
  },
  notifications: {
    jobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
    worker: { concurrency: 8, lockDurationMs: 15_000, stalledIntervalMs: 10_000 },
  },
  // Paying a tranche is idempotent by tranche number: a job run twice pays once.
  disbursements: {
    jobOptions: { attempts: 12, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
    worker: { concurrency: 4, lockDurationMs: 10_000, stalledIntervalMs: 5_000 },
  },
  maintenance: {
    jobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, ...RETENTION },
    worker: { concurrency: 1, lockDurationMs: 60_000, stalledIntervalMs: 60_000 },
  },
  // Retries follow the configured schedule (the processor's backoff); the processor ends a
  // delivery itself after the last one, so `attempts` is only a ceiling above any schedule.
  // A worker killed mid-delivery leaves its jobs locked: with 10 s + 5 s they are delivered again
  // within about 15 s, not 45. BullMQ renews a running job's lock every half lockDuration, so an
  // attempt waiting on a slow receiver (up to WEBHOOK_TIMEOUT_MS) keeps its lock.
  webhooks: {
    jobOptions: { attempts: 64, backoff: { type: 'schedule' }, ...RETENTION },
    worker: { concurrency: 64, lockDurationMs: 10_000, stalledIntervalMs: 5_000 },
  },
  'alert-mail': {
    jobOptions: { attempts: 64, backoff: { type: 'schedule' }, ...RETENTION },
    worker: { concurrency: 4, lockDurationMs: 60_000, stalledIntervalMs: 30_000 },
  },
};
