import { Inject, Injectable } from '@nestjs/common';
import { GroupCommit } from '@app/event-store';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import type { WebhookEndpointView } from './webhook-endpoint-view';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A delivery in the delivery log (`GET /v1/webhooks/:id/deliveries`). */
export interface DeliveryView {
  readonly id: string;
  readonly type: string;
  readonly requestId: string | null;
  readonly position: number | null;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly deliveredAt: string | null;
  readonly createdAt: string;
}

/** What the delivery worker needs of a delivery. */
export interface DeliveryRow {
  readonly id: string;
  readonly endpointId: string;
  readonly type: string;
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly series: number;
}

/** Where a delivery stands in the log's order: creation time (microseconds since the epoch, as text) and id. */
export interface DeliveryPosition {
  readonly createdUs: string;
  readonly id: string;
}

/** One delivery attempt's outcome, as the delivery worker records it. */
export interface AttemptRecord {
  readonly deliveryId: string;
  readonly series: number;
  readonly outcome: 'delivered' | 'retrying' | 'failed';
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly nextAttemptAt: Date | null;
}

/** A message to one endpoint, as the fan-out records it before enqueueing it. */
export interface NewDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string | null;
  readonly type: string;
  readonly requestId: string | null;
  readonly position: number | null;
  readonly body: string;
}

interface ViewRow {
  id: string;
  type: string;
  request_id: string | null;
  position: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

/** `webhook_deliveries` and `webhook_delivery_attempts`: operational records of every message and attempt. */
@Injectable()
export class WebhookDeliveryStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Records messages; one that is already recorded (a relay replay) is left as it is. Messages
   * recorded together are stamped a microsecond apart in their given order (the log's), so that
   * an endpoint's log, newest first, lists a request's triage before its filing even when one
   * batch of the fan-out recorded both.
   */
  async insert(deliveries: readonly NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.pool.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, type, request_id, position, body, created_at)
       SELECT id, endpoint_id, event_id, type, request_id, position, body, now() + (n - 1) * interval '1 microsecond'
         FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::bigint[], $7::text[])
              WITH ORDINALITY AS t (id, endpoint_id, event_id, type, request_id, position, body, n)
       ON CONFLICT (id) DO NOTHING`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.type),
        deliveries.map((d) => d.requestId),
        deliveries.map((d) => d.position),
        deliveries.map((d) => d.body),
      ],
    );
  }

  /**
   * A delivery together with its endpoint's current view. The delivery worker runs many of these
   * at once: those asked for in the same turn share one statement.
   */
  findWithEndpoint(id: string): Promise<{ delivery: DeliveryRow; endpoint: WebhookEndpointView | undefined } | undefined> {
    return this.reads.run(id);
  }

  /**
   * One statement in flight: the reads that arrive meanwhile go together in the next one. Every
   * statement costs the worker a socket write and a wake-up of a server process, and at 500
   * deliveries a second those, not the rows, are what the worker's loop waits on (bench:webhooks
   * p99 127–129 ms with four in flight, 51–88 ms with one).
   */
  private readonly reads = new GroupCommit<string, { delivery: DeliveryRow; endpoint: WebhookEndpointView | undefined } | undefined>(
    { maxInFlight: 1, maxBatch: 200 },
    {
      alone: async (id) => (await this.readMany([id]))[0],
      together: async (ids) => (await this.readMany(ids)).map((value) => ({ ok: true, value })),
    },
  );

  private async readMany(ids: readonly string[]): Promise<({ delivery: DeliveryRow; endpoint: WebhookEndpointView | undefined } | undefined)[]> {
    const { rows } = await this.pool.query<{ id: string; endpoint_id: string; type: string; body: string; status: DeliveryStatus; series: number; view: WebhookEndpointView | null }>(
      `SELECT d.id, d.endpoint_id, d.type, d.body, d.status, d.series, e.view
       FROM webhook_deliveries d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ANY($1::text[])`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      if (row === undefined) return undefined;
      return {
        delivery: { id: row.id, endpointId: row.endpoint_id, type: row.type, body: row.body, status: row.status, series: row.series },
        endpoint: row.view ?? undefined,
      };
    });
  }

  async view(endpointId: string, id: string): Promise<DeliveryView | undefined> {
    const { rows } = await this.pool.query<ViewRow>(`SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND id = $2`, [endpointId, id]);
    return rows[0] && toView(rows[0]);
  }

  /**
   * Newest first; `before` is the position of the last item of the previous page: its creation
   * time in microseconds since the epoch (exact, as PostgreSQL keeps it) and its id.
   */
  async list(
    endpointId: string,
    status: DeliveryStatus | undefined,
    limit: number,
    before: DeliveryPosition | undefined,
  ): Promise<{ readonly view: DeliveryView; readonly position: DeliveryPosition }[]> {
    const { rows } = await this.pool.query<ViewRow & { created_us: string }>(
      `SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us FROM webhook_deliveries
       WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2)
         AND ($3::bigint IS NULL OR (created_at, id) < (timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::text))
       ORDER BY created_at DESC, id DESC LIMIT $5`,
      [endpointId, status ?? null, before?.createdUs ?? null, before?.id ?? null, limit],
    );
    return rows.map((row) => ({ view: toView(row), position: { createdUs: row.created_us, id: row.id } }));
  }

  /**
   * One attempt, and the delivery's state after it, together. Attempts recorded in the same turn
   * share one statement (and each caller still waits for its own to be stored).
   */
  recordAttempt(attempt: AttemptRecord): Promise<void> {
    return this.writes.run(attempt);
  }

  /** One statement in flight, as for the reads. */
  private readonly writes = new GroupCommit<AttemptRecord, void>(
    { maxInFlight: 1, maxBatch: 200 },
    {
      alone: (attempt) => this.writeMany([attempt]),
      together: async (attempts) => {
        await this.writeMany(attempts);
        return attempts.map(() => ({ ok: true, value: undefined }));
      },
    },
  );

  private async writeMany(attempts: readonly AttemptRecord[]): Promise<void> {
    const statusOf = (outcome: AttemptRecord['outcome']): DeliveryStatus => (outcome === 'delivered' ? 'delivered' : outcome === 'failed' ? 'failed' : 'pending');
    await this.pool.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::text[], $8::int[])
           AS t(id, series, status, code, error, next_at, outcome, duration)),
       updated AS (
         UPDATE webhook_deliveries w SET
           attempts = w.attempts + 1, status = i.status, last_status_code = i.code, last_error = i.error,
           next_attempt_at = i.next_at, delivered_at = CASE WHEN i.status = 'delivered' THEN now() ELSE w.delivered_at END
         FROM input i WHERE w.id = i.id AND w.series = i.series AND w.status = 'pending'
         RETURNING w.id, w.attempts, i.outcome, i.code, i.error, i.duration)
       INSERT INTO webhook_delivery_attempts (delivery_id, attempt, outcome, status_code, error, duration_ms)
       SELECT id, attempts, outcome, code, error, duration FROM updated`,
      [
        attempts.map((a) => a.deliveryId),
        attempts.map((a) => a.series),
        attempts.map((a) => statusOf(a.outcome)),
        attempts.map((a) => a.statusCode),
        attempts.map((a) => a.error?.slice(0, 2000) ?? null),
        attempts.map((a) => a.nextAttemptAt),
        attempts.map((a) => a.outcome),
        attempts.map((a) => Math.round(a.durationMs)),
      ],
    );
  }

  /**
   * Pending deliveries whose next attempt is long overdue (or that were never attempted): their
   * jobs were lost. Re-enqueueing them under their job ids is harmless when the jobs still exist.
   */
  async overdue(olderThanMs: number, limit: number): Promise<{ id: string; series: number }[]> {
    const { rows } = await this.pool.query<{ id: string; series: number }>(
      `SELECT id, series FROM webhook_deliveries
       WHERE status = 'pending' AND coalesce(next_attempt_at, created_at) < now() - make_interval(secs => $1::float8 / 1000)
       ORDER BY coalesce(next_attempt_at, created_at) LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows;
  }

  /** Ends a pending delivery without an attempt (its endpoint was deleted or disabled meanwhile). */
  async abandon(deliveryId: string, reason: string): Promise<void> {
    await this.pool.query(`UPDATE webhook_deliveries SET status = 'failed', last_error = $2, next_attempt_at = NULL WHERE id = $1 AND status = 'pending'`, [
      deliveryId,
      reason,
    ]);
  }

  /**
   * A failed delivery starts a new series of attempts, once per retry request (`retryEventId`):
   * returns the series to enqueue (again, on a replay of the same request), or undefined when the
   * delivery was not failed.
   */
  async restart(deliveryId: string, retryEventId: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ series: number }>(
      `WITH restarted AS (
         UPDATE webhook_deliveries SET status = 'pending', series = series + 1, retry_event_id = $2, next_attempt_at = now()
         WHERE id = $1 AND status = 'failed' AND retry_event_id IS DISTINCT FROM $2 RETURNING series)
       SELECT series FROM restarted
       UNION ALL SELECT series FROM webhook_deliveries WHERE id = $1 AND retry_event_id = $2
       LIMIT 1`,
      [deliveryId, retryEventId],
    );
    return rows[0]?.series;
  }
}

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

function toView(row: ViewRow): DeliveryView {
  return {
    id: row.id,
    type: row.type,
    requestId: row.request_id,
    position: row.position === null ? null : Number(row.position),
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: iso(row.next_attempt_at),
    deliveredAt: iso(row.delivered_at),
    createdAt: row.created_at.toISOString(),
  };
}
