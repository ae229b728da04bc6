import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import type { RequestKind, RequestStatus, Track } from '../domain/aid-request.values';
import type { AidRequestView } from './aid-request-view';

export interface AidRequestFilter {
  readonly country?: string;
  readonly status?: RequestStatus;
  readonly track?: Track;
  readonly kind?: RequestKind;
}

/** Where a page of the newest-first list ended: the last row's filing time and id. */
export interface ListPosition {
  readonly filedAt: string;
  readonly id: string;
}

@Injectable()
export class AidRequestViewStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async findById(id: string): Promise<AidRequestView | undefined> {
    const { rows } = await this.pool.query<{ view: AidRequestView }>({
      name: 'aid_request_view_by_id',
      text: 'SELECT view FROM aid_request_views WHERE id = $1',
      values: [id],
    });
    return rows[0]?.view;
  }

  /** Newest first; `after` continues from the previous page. Fetches one extra row to know whether more follow. */
  async list(filter: AidRequestFilter, after: ListPosition | undefined, limit: number): Promise<{ items: AidRequestView[]; next?: ListPosition }> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (clause: (placeholder: string) => string, value: unknown) => {
      values.push(value);
      where.push(clause(`$${values.length}`));
    };
    if (filter.country !== undefined) add((p) => `country = ${p}`, filter.country);
    if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
    if (filter.track !== undefined) add((p) => `track = ${p}`, filter.track);
    if (filter.kind !== undefined) add((p) => `kind = ${p}`, filter.kind);
    if (after !== undefined) {
      values.push(after.filedAt, after.id);
      where.push(`(filed_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(limit + 1);
    const { rows } = await this.pool.query<{ view: AidRequestView }>(
      `SELECT view FROM aid_request_views
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY filed_at DESC, id DESC
       LIMIT $${values.length}`,
      values,
    );
    const items = rows.slice(0, limit).map((row) => row.view);
    const last = items.at(-1);
    return rows.length > limit && last !== undefined ? { items, next: { filedAt: last.filedAt, id: last.id } } : { items };
  }
}
