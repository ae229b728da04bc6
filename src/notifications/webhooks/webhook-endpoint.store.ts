import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import type { WebhookEndpointView } from './webhook-endpoint-view';

/** Reads of `webhook_endpoints` (the projection of the endpoint streams). */
@Injectable()
export class WebhookEndpointStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async findById(id: string): Promise<WebhookEndpointView | undefined> {
    const { rows } = await this.pool.query<{ view: WebhookEndpointView }>(`SELECT view FROM webhook_endpoints WHERE id = $1`, [id]);
    return rows[0]?.view;
  }

  /** Endpoints that are not deleted: of one country, or all of them (admins). */
  async list(country: string | undefined): Promise<WebhookEndpointView[]> {
    const { rows } = await this.pool.query<{ view: WebhookEndpointView }>(
      `SELECT view FROM webhook_endpoints WHERE status <> 'deleted' AND ($1::text IS NULL OR country = $1) ORDER BY id`,
      [country ?? null],
    );
    return rows.map((row) => row.view);
  }

  async listActive(): Promise<WebhookEndpointView[]> {
    const { rows } = await this.pool.query<{ view: WebhookEndpointView }>(`SELECT view FROM webhook_endpoints WHERE status = 'active'`);
    return rows.map((row) => row.view);
  }
}
