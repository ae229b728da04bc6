import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { toAuditEventView, type AuditEventView, type Page, type SealedEventRow, type SeqCursor } from './audit-views';

export interface AuditEventFilter {
  /** Only seq > afterSeq (-1: from the start). */
  readonly afterSeq: number;
  readonly streamId?: string;
  readonly type?: string;
  readonly actor?: string;
  readonly country?: string;
  readonly from?: Date;
  readonly to?: Date;
}

export class ListAuditEventsQuery extends Query<Page<AuditEventView, SeqCursor>> {
  constructor(
    readonly filter: AuditEventFilter,
    readonly limit: number,
  ) {
    super();
  }
}

/** The sealed log in ledger order (seq ascending), joined with the stored events. */
@QueryHandler(ListAuditEventsQuery)
export class ListAuditEventsHandler implements IQueryHandler<ListAuditEventsQuery, Page<AuditEventView, SeqCursor>> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ filter, limit }: ListAuditEventsQuery): Promise<Page<AuditEventView, SeqCursor>> {
    const params: unknown[] = [filter.afterSeq];
    const where = ['l.seq > $1'];
    const add = (sql: (n: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.streamId !== undefined) add((p) => `e.stream_id = ${p}`, filter.streamId);
    if (filter.type !== undefined) add((p) => `e.event_type = ${p}`, filter.type);
    if (filter.actor !== undefined) add((p) => `e.metadata->'actor'->>'sub' = ${p}`, filter.actor);
    if (filter.country !== undefined) {
      add((p) => `(e.metadata->'actor'->>'country' = ${p} OR e.data->>'country' = ${p})`, filter.country);
    }
    if (filter.from !== undefined) add((p) => `e.recorded_at >= ${p}`, filter.from);
    if (filter.to !== undefined) add((p) => `e.recorded_at < ${p}`, filter.to);
    params.push(limit + 1);
    const { rows } = await this.pool.query<SealedEventRow>(
      `SELECT l.seq::text AS seq, e.global_position::text AS global_position, e.stream_id,
              e.stream_version::text AS stream_version, e.event_type, e.event_version, e.data, e.metadata, e.recorded_at
         FROM audit_ledger l
         JOIN events e ON e.global_position = l.global_position
        WHERE ${where.join(' AND ')}
        ORDER BY l.seq
        LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit).map(toAuditEventView);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last !== undefined ? { seq: last.seq } : undefined };
  }
}
