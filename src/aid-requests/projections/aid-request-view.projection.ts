import { Injectable } from '@nestjs/common';
import type { SqlEffect } from '@app/event-store';
import type { AidRequestView } from './aid-request-view';

/**
 * Keeps `aid_request_views` current: an effect of the append that changes the request, so the
 * view never lags or leads the log (aid_request_view_project, in the migrations).
 */
@Injectable()
export class AidRequestViewProjection {
  effect(view: AidRequestView): SqlEffect {
    // The view is stored as the exact JSON the API answers with; the columns are for queries.
    return {
      sql: 'SELECT aid_request_view_project($1)',
      arg: {
        id: view.id,
        country: view.country,
        kind: view.kind,
        status: view.status,
        track: view.track,
        priority: view.priority,
        decideBy: view.decideBy,
        filedAt: view.filedAt,
        updatedAt: view.updatedAt,
        version: view.version,
        acknowledgeBy: view.acknowledgeBy,
        acknowledgedAt: view.acknowledgedAt,
        slaBreaches: view.slaBreaches,
        detectedAt: view.incident?.detectedAt ?? null,
        reviewRound: view.reviewRound,
        score: view.score,
        viewJson: JSON.stringify(view),
      },
    };
  }
}
