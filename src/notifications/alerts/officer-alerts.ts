import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import type { AlertJob } from '../../queues/queue-definitions';

const SUBJECTS: Readonly<Record<AlertJob['kind'], string>> = {
  urgent_incident: 'Urgent: incident response requested',
  sla_breached: 'SLA breached',
  possible_duplicate: 'Possible duplicate request',
  report_overdue: 'Progress report overdue',
};

/**
 * An alert's subject (SQL): the prefix (SQL text, see subjectPrefix), then the country, priority
 * and title from the request's view `v` — or the request's id when it has no view.
 */
export function alertSubjectSql(prefix: string, requestId: string): string {
  return `CASE WHEN v.id IS NULL THEN ${prefix} || ': request ' || ${requestId}
               ELSE ${prefix} || ': ' || v.country || ', priority ' || coalesce(v.priority::text, '-') || ', "' || (v.view ->> 'title') || '"' END`;
}

/** An alert's details (SQL): the state of the request's view `v`. */
export const alertDetailsSql = `jsonb_build_object('priority', v.priority, 'status', v.status, 'slaBreaches', coalesce(to_jsonb(v.sla_breaches), '[]'::jsonb))`;

/** The first words of an alert's subject. */
export function subjectPrefix(kind: AlertJob['kind']): string {
  return SUBJECTS[kind];
}

/**
 * The INSERT of one officers' alert, once per id ($1 alert id, $2 kind, $3 request id, $4 subject
 * prefix), its subject and details read from the request's view in the same statement.
 */
const RECORD_ALERT = {
  name: 'officer_alert_record',
  text: `INSERT INTO notifications (id, kind, audience, request_id, subject, details)
           SELECT $1, $2, 'officers', $3::uuid, ${alertSubjectSql('$4', '$3')}, ${alertDetailsSql}
             FROM (SELECT 1) AS one (x) LEFT JOIN aid_request_views v ON v.id = $3::uuid
           ON CONFLICT (id) DO NOTHING`,
};

/**
 * The officers' alerts in the `notifications` outbox, once per alert id; delivery channels
 * (e-mail, chat, paging) read from there. The subject and details come from the request's view,
 * read by the same statement: one round trip per alert.
 */
@Injectable()
export class OfficerAlerts {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async record(alert: Pick<AlertJob, 'alertId' | 'kind' | 'requestId'>): Promise<void> {
    await this.pool.query({ ...RECORD_ALERT, values: [alert.alertId, alert.kind, alert.requestId, subjectPrefix(alert.kind)] });
  }
}
