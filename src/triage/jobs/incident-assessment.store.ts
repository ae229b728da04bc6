import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { alertValues, officerAlertInsert } from '../../notifications/alerts/officer-alerts';

/** An incident request and the open incident requests of its country detected close to it. */
export interface IncidentWithDuplicates {
  readonly id: string;
  readonly country: string;
  readonly detectedAt: string;
  readonly duplicates: readonly { readonly id: string; readonly detectedAt: string }[];
}

/** The request ($3) is an incident request with a detection time: only then is it assessed. */
const IS_INCIDENT = `EXISTS (SELECT 1 FROM aid_request_views i WHERE i.id = $3::uuid AND i.kind = 'incident_response' AND i.detected_at IS NOT NULL)`;

/**
 * What assessing an incident reads and writes, in one round trip: the request, the open incident
 * requests of its country detected within a window of it (the closest first), and its urgent alert
 * to officers (recorded once per alert id, worded from the request's view).
 */
@Injectable()
export class IncidentAssessmentStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Undefined (and no alert) when `requestId` is not an incident request. */
  async alertAndFindDuplicates(requestId: string, alertId: string, windowMs: number, limit: number): Promise<IncidentWithDuplicates | undefined> {
    const { rows } = await this.pool.query<{ country: string; me_detected_at: Date; id: string | null; detected_at: Date | null }>({
      name: 'incident_alert_and_duplicates',
      text: `WITH alert AS (${officerAlertInsert(IS_INCIDENT)})
        SELECT me.country, me.detected_at AS me_detected_at, o.id, o.detected_at
          FROM aid_request_views me
          LEFT JOIN LATERAL (
            SELECT o.id, o.detected_at FROM aid_request_views o
             WHERE o.country = me.country AND o.kind = 'incident_response' AND o.id <> me.id
               AND o.status NOT IN ('rejected', 'withdrawn', 'closed')
               AND o.detected_at BETWEEN me.detected_at - make_interval(secs => $5 / 1000.0)
                                     AND me.detected_at + make_interval(secs => $5 / 1000.0)
             ORDER BY abs(extract(epoch FROM o.detected_at - me.detected_at)), o.id
             LIMIT $6) o ON true
         WHERE me.id = $3::uuid AND me.kind = 'incident_response' AND me.detected_at IS NOT NULL`,
      values: [...alertValues({ alertId, kind: 'urgent_incident', requestId }), windowMs, limit],
    });
    const first = rows[0];
    if (first === undefined) return undefined;
    return {
      id: requestId,
      country: first.country,
      detectedAt: first.me_detected_at.toISOString(),
      duplicates: rows.flatMap((row) => (row.id === null || row.detected_at === null ? [] : [{ id: row.id, detectedAt: row.detected_at.toISOString() }])),
    };
  }
}
