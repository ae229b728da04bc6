import { GroupCommit, PLANNED_ONCE_SESSION_OPTIONS, settle, type Settled } from '@app/event-store';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { AppConfig } from '../../config/app-config';
import { createPgPool } from '../../database/pg-pool';
import { alertDetailsSql, alertSubjectSql, subjectPrefix } from '../../notifications/alerts/officer-alerts';

/** Incidents detected this close together in one country are likely the same attack. */
export const DUPLICATE_WINDOW_MS = 72 * 3600 * 1000;
/** The closest few are flagged: a country reporting one attack many times must not flag every pair. */
export const MAX_DUPLICATES_FLAGGED = 5;

/** An incident request and the open incident requests of its country detected close to it. */
export interface IncidentWithDuplicates {
  readonly id: string;
  readonly country: string;
  readonly detectedAt: string;
  /** The closest first, at most MAX_DUPLICATES_FLAGGED. */
  readonly duplicates: readonly { readonly id: string; readonly detectedAt: string }[];
}

/** What to assess: a request, and the id its urgent alert to officers is recorded under. */
export interface IncidentAssessment {
  readonly requestId: string;
  readonly alertId: string;
}

/** Assessments run at once (statements in flight), and so the connections of their pool. */
const ASSESSMENTS_IN_FLIGHT = 2;

/**
 * The requests ($1, with their alert ids $2) that are incident requests with a detection time —
 * only those are assessed — each with its urgent alert recorded (once per alert id, worded from
 * its view: $3 is the subject's prefix) and the open incident requests of its country detected
 * within $4 ms of it (the closest $5 first, then by id). One row per request and duplicate, by
 * $1's order. The closest $5 are among the $5 nearest at or after the request's detection time and
 * the $5 nearest before it: two short reads in the order of the incidents' index (country,
 * detected_at, id), however many incidents the country has in the window.
 *
 * Planned once per session (see IncidentAssessmentStore), so its plan must suit any table: each
 * request is looked up on its own, by primary key, and only then checked for its kind (with the
 * kind in the lookup, a plan made on an empty table scans the incidents' index for it instead, and
 * keeps doing so as the table grows). test/triage/incident-assessment-plans checks the plan.
 */
export const ASSESS_INCIDENTS = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS t (request_id, alert_id, n)),
  me AS (
    SELECT i.n, i.alert_id, v.*
      FROM input i
      JOIN LATERAL (SELECT * FROM aid_request_views v WHERE v.id = i.request_id LIMIT 1) v ON true
     WHERE v.kind = 'incident_response' AND v.detected_at IS NOT NULL),
  alert AS (
    INSERT INTO notifications (id, kind, audience, request_id, subject, details)
    SELECT v.alert_id, 'urgent_incident', 'officers', v.id, ${alertSubjectSql('$3', 'v.id::text')}, ${alertDetailsSql}
      FROM me AS v
    ON CONFLICT (id) DO NOTHING)
  SELECT me.n, me.country, me.detected_at AS me_detected_at, o.id, o.detected_at
    FROM me
    LEFT JOIN LATERAL (
      SELECT c.id, c.detected_at, abs(extract(epoch FROM c.detected_at - me.detected_at)) AS apart FROM (
        (SELECT o.id, o.detected_at FROM aid_request_views o
          WHERE o.country = me.country AND o.kind = 'incident_response' AND o.id <> me.id
            AND o.status NOT IN ('rejected', 'withdrawn', 'closed')
            AND o.detected_at >= me.detected_at AND o.detected_at <= me.detected_at + make_interval(secs => $4 / 1000.0)
          ORDER BY o.detected_at, o.id
          LIMIT $5)
        UNION ALL
        (SELECT o.id, o.detected_at FROM aid_request_views o
          WHERE o.country = me.country AND o.kind = 'incident_response' AND o.id <> me.id
            AND o.status NOT IN ('rejected', 'withdrawn', 'closed')
            AND o.detected_at < me.detected_at AND o.detected_at >= me.detected_at - make_interval(secs => $4 / 1000.0)
          ORDER BY o.detected_at DESC, o.id
          LIMIT $5)) c
       ORDER BY apart, c.id
       LIMIT $5) o ON true
   ORDER BY me.n, o.apart, o.id`;

export const INCIDENT_ASSESSMENT_POOL = Symbol('INCIDENT_ASSESSMENT_POOL');

/**
 * The assessments' own connections, whose sessions plan the statement once
 * (PLANNED_ONCE_SESSION_OPTIONS): PostgreSQL's plan cache otherwise plans it afresh on most calls
 * (its CTEs and the duplicates' lateral join made that the largest planning cost left on a busy
 * worker's backends), for the same plan.
 */
export function createIncidentAssessmentPool(config: AppConfig): Pool {
  return createPgPool(config.database, `cdt-fund-${config.role}-incident-assessment`, {
    max: ASSESSMENTS_IN_FLIGHT,
    options: PLANNED_ONCE_SESSION_OPTIONS,
  });
}

/**
 * What assessing an incident reads and writes, in one round trip: the request, its likely
 * duplicates, and its urgent alert to officers. The incident-response worker assesses many at
 * once: those asked for while a statement is running go together in the next one, and each
 * caller still gets its own result. Should a shared statement fail, its requests are assessed
 * again one by one, so that one request's failure is its own (it is retried, and dead-lettered,
 * on its own).
 */
@Injectable()
export class IncidentAssessmentStore {
  private readonly batches = new GroupCommit<IncidentAssessment, IncidentWithDuplicates | undefined>(
    { maxInFlight: ASSESSMENTS_IN_FLIGHT, maxBatch: 64 },
    {
      alone: async (assessment) => (await this.assessMany([assessment]))[0],
      together: (assessments) => this.assessTogether(assessments),
      // One request twice in one statement would record its alert in two rows of one INSERT.
      keys: (assessment) => [assessment.requestId],
    },
  );

  constructor(@Inject(INCIDENT_ASSESSMENT_POOL) private readonly pool: Pool) {}

  /** Undefined (and no alert) when the request is not an incident request. */
  assess(assessment: IncidentAssessment): Promise<IncidentWithDuplicates | undefined> {
    return this.batches.run(assessment);
  }

  private async assessTogether(assessments: readonly IncidentAssessment[]): Promise<Settled<IncidentWithDuplicates | undefined>[]> {
    const together = await settle(this.assessMany(assessments));
    if (together.ok) return together.value.map((value) => ({ ok: true, value }));
    return Promise.all(assessments.map(async (assessment) => settle(this.assessMany([assessment]).then(([only]) => only))));
  }

  /** The assessments of `assessments`, in their order. */
  private async assessMany(assessments: readonly IncidentAssessment[]): Promise<(IncidentWithDuplicates | undefined)[]> {
    const { rows } = await this.pool.query<{ n: string; country: string; me_detected_at: Date; id: string | null; detected_at: Date | null }>({
      name: 'incident_assess',
      text: ASSESS_INCIDENTS,
      values: [
        assessments.map((a) => a.requestId),
        assessments.map((a) => a.alertId),
        subjectPrefix('urgent_incident'),
        DUPLICATE_WINDOW_MS,
        MAX_DUPLICATES_FLAGGED,
      ],
    });
    const found = new Map<number, { country: string; detectedAt: string; duplicates: { id: string; detectedAt: string }[] }>();
    for (const row of rows) {
      const n = Number(row.n);
      let incident = found.get(n);
      if (incident === undefined) {
        incident = { country: row.country, detectedAt: row.me_detected_at.toISOString(), duplicates: [] };
        found.set(n, incident);
      }
      if (row.id !== null && row.detected_at !== null) incident.duplicates.push({ id: row.id, detectedAt: row.detected_at.toISOString() });
    }
    return assessments.map((assessment, i) => {
      const incident = found.get(i + 1);
      return incident && { id: assessment.requestId, ...incident };
    });
  }
}
