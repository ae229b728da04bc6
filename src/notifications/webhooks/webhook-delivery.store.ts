import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';

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

  /** Records messages; one that is already recorded (a relay replay) is left as it is. */
  async insert(deliveries: readonly NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.pool.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, type, request_id, position, body)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::bigint[], $7::text[])
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

  async find(id: string): Promise<DeliveryRow | undefined> {
    const { rows } = await this.pool.query<{ id: string; endpoint_id: string; type: string; body: string; status: DeliveryStatus; series: number }>(
      `SELECT id, endpoint_id, type, body, status, series FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row && { id: row.id, endpointId: row.endpoint_id, type: row.type, body: row.body, status: row.status, series: row.series };
  }

  async view(endpointId: string, id: string): Promise<DeliveryView | undefined> {
    const { rows } = await this.pool.query<ViewRow>(`SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND id = $2`, [endpointId, id]);
    return rows[0] && toView(rows[0]);
  }

  /** Newest first; `before` is the last item of the previous page. */
  async list(
    endpointId: string,
    status: DeliveryStatus | undefined,
    limit: number,
    before: { readonly createdAt: string; readonly id: string } | undefined,
  ): Promise<DeliveryView[]> {
    const { rows } = await this.pool.query<ViewRow>(
      `SELECT * FROM webhook_deliveries
       WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2)
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::text))
       ORDER BY created_at DESC, id DESC LIMIT $5`,
      [endpointId, status ?? null, before?.createdAt ?? null, before?.id ?? null, limit],
    );
    return rows.map(toView);
  }

  /** One attempt, and the delivery's state after it, together. */
  async recordAttempt(attempt: {
    readonly deliveryId: string;
    readonly series: number;
    readonly outcome: 'delivered' | 'retrying' | 'failed';
    readonly statusCode: number | null;
    readonly error: string | null;
    readonly durationMs: number;
    readonly nextAttemptAt: Date | null;
  }): Promise<void> {
    const status: DeliveryStatus = attempt.outcome === 'delivered' ? 'delivered' : attempt.outcome === 'failed' ? 'failed' : 'pending';
    await this.pool.query(
      `WITH d AS (
         UPDATE webhook_deliveries SET
           attempts = attempts + 1, status = $3, last_status_code = $4, last_error = $5,
           next_attempt_at = $6, delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
         WHERE id = $1 AND series = $2 AND status = 'pending'
         RETURNING attempts)
       INSERT INTO webhook_delivery_attempts (delivery_id, attempt, outcome, status_code, error, duration_ms)
       SELECT $1, d.attempts, $7, $4, $5, $8 FROM d`,
      [attempt.deliveryId, attempt.series, status, attempt.statusCode, attempt.error?.slice(0, 2000) ?? null, attempt.nextAttemptAt, attempt.outcome, Math.round(attempt.durationMs)],
    );
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
