import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import type { RequestKind, RequestStatus } from '../domain/aid-request.values';
import type { AidRequestView } from './aid-request-view';
import type { Track } from '../../kernel/track';

export interface AidRequestFilter {
  readonly country?: string;
  readonly status?: RequestStatus;
  readonly track?: Track;
  readonly kind?: RequestKind;
}

/** Where a page of the officers' queue ended. */
export interface QueuePosition {
  readonly priority: number;
  readonly decideBy: string;
  readonly id: string;
}

/** Where a page of the newest-first list ended: the last row's filing time and id. */
export interface ListPosition {
  readonly filedAt: string;
  readonly id: string;
}

/** A deadline that has passed and was not yet checked: SLA (acknowledge, decide) or a report's due date. */
export interface MissedDeadline {
  readonly id: string;
  readonly deadline: 'acknowledge' | 'decide' | 'report';
  readonly dueAt: string;
}

/**
 * The SLA sweep's look for passed deadlines ($1 now, $2 at most). Each branch reads an index of its
 * own (SlaDeadlineIndexes, ApprovedGrantsIndex) whose predicate it repeats word for word, so its
 * cost follows the open requests and running grants, not the history.
 */
export const MISSED_DEADLINES_SQL = `SELECT id, 'acknowledge' AS deadline, acknowledge_by AS due_at FROM aid_request_views
   WHERE acknowledge_by <= $1 AND NOT ('acknowledge' = ANY (sla_breaches))
     AND (acknowledged_at IS NULL OR acknowledged_at > acknowledge_by)
     AND status NOT IN ('approved', 'rejected', 'withdrawn', 'closed')
   UNION ALL
   SELECT id, 'decide' AS deadline, decide_by AS due_at FROM aid_request_views
   WHERE decide_by <= $1 AND NOT ('decide' = ANY (sla_breaches))
     AND status NOT IN ('approved', 'rejected', 'withdrawn', 'closed', 'information_requested')
   UNION ALL
   SELECT v.id, 'report' AS deadline, (r ->> 'dueAt')::timestamptz AS due_at
     FROM aid_request_views v, json_array_elements(v.view -> 'reportsDue') AS r
   WHERE v.status = 'approved' AND r ->> 'status' = 'due' AND (r ->> 'dueAt')::timestamptz <= $1
   ORDER BY due_at
   LIMIT $2`;

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

  /**
   * The officers' work queue: requests waiting on the fund (triaged, under review, waiting for
   * information or for a second approval), most urgent first, then by decide deadline.
   */
  async queue(after: QueuePosition | undefined, limit: number): Promise<{ items: AidRequestView[]; next?: QueuePosition }> {
    const values: unknown[] = [limit + 1];
    let cursor = '';
    if (after !== undefined) {
      values.push(after.priority, after.decideBy, after.id);
      cursor = 'AND (priority, decide_by, id) > ($2::smallint, $3::timestamptz, $4::uuid)';
    }
    const { rows } = await this.pool.query<{ view: AidRequestView }>(
      `SELECT view FROM aid_request_views
       WHERE status IN ('triaged', 'under_review', 'information_requested', 'awaiting_second_approval') ${cursor}
       ORDER BY priority, decide_by, id
       LIMIT $1`,
      values,
    );
    const items = rows.slice(0, limit).map((row) => row.view);
    const last = items.at(-1);
    return rows.length > limit && last?.priority != null && last.decideBy !== null
      ? { items, next: { priority: last.priority, decideBy: last.decideBy, id: last.id } }
      : { items };
  }

  /**
   * Open requests whose acknowledge or decide deadline has passed without a recorded breach (the
   * SLA sweep fires them from here), and approved grants whose next report due date (the view's
   * `reportsDue` entry still `due`) has passed: its timer was lost.
   */
  async findMissedDeadlines(now: Date, limit: number): Promise<MissedDeadline[]> {
    const { rows } = await this.pool.query<{ id: string; deadline: 'acknowledge' | 'decide' | 'report'; due_at: Date }>(
      MISSED_DEADLINES_SQL,
      [now, limit],
    );
    return rows.map((row) => ({ id: row.id, deadline: row.deadline, dueAt: row.due_at.toISOString() }));
  }

  /** Review rounds with requests assigned and no closing recorded yet. */
  async unclosedReviewRounds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ review_round: string }>(
      `SELECT DISTINCT v.review_round FROM aid_request_views v
       WHERE v.review_round IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.stream_id = 'review-round-' || v.review_round)
       ORDER BY 1`,
    );
    return rows.map((row) => row.review_round);
  }

  /** The scored requests of a round, for ranking. */
  async reviewRoundEntries(roundId: string): Promise<{ requestId: string; score: number; filedAt: string }[]> {
    const { rows } = await this.pool.query<{ id: string; score: number; filed_at: Date }>(
      `SELECT id, score, filed_at FROM aid_request_views WHERE review_round = $1 AND score IS NOT NULL ORDER BY filed_at, id`,
      [roundId],
    );
    return rows.map((row) => ({ requestId: row.id, score: row.score, filedAt: row.filed_at.toISOString() }));
  }
}
