import { Injectable } from '@nestjs/common';
import type { Sql } from '@app/event-store';
import type { AidRequestView } from './aid-request-view';

/**
 * Keeps `aid_request_views` current: called inside the transaction that appends the request's
 * events, so the view never lags or leads the log.
 */
@Injectable()
export class AidRequestViewProjection {
  async project(tx: Sql, view: AidRequestView): Promise<void> {
    await tx.query({
      name: 'aid_request_view_upsert',
      text: `INSERT INTO aid_request_views (id, country, kind, status, track, priority, decide_by, filed_at, updated_at, version, view,
                                             acknowledge_by, acknowledged_at, sla_breaches, detected_at, review_round, score)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             ON CONFLICT (id) DO UPDATE SET
               status = EXCLUDED.status, track = EXCLUDED.track, priority = EXCLUDED.priority,
               decide_by = EXCLUDED.decide_by, updated_at = EXCLUDED.updated_at,
               version = EXCLUDED.version, view = EXCLUDED.view,
               acknowledge_by = EXCLUDED.acknowledge_by, acknowledged_at = EXCLUDED.acknowledged_at,
               sla_breaches = EXCLUDED.sla_breaches, review_round = EXCLUDED.review_round, score = EXCLUDED.score
             WHERE aid_request_views.version < EXCLUDED.version`,
      values: [
        view.id,
        view.country,
        view.kind,
        view.status,
        view.track,
        view.priority,
        view.decideBy,
        view.filedAt,
        view.updatedAt,
        view.version,
        JSON.stringify(view),
        view.acknowledgeBy,
        view.acknowledgedAt,
        view.slaBreaches,
        view.incident?.detectedAt ?? null,
        view.reviewRound,
        view.score,
      ],
    });
  }
}
