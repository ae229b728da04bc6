import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The request view gains `endsAt`, `amendments` and `reportsDue`. Views stored before are given
 * them here, as the projection would compute them from their events: no amendments yet; `endsAt`
 * for approved and closed grants from GrantApproved's `approvedAt` plus the capacity duration (3
 * months for rapid response), in calendar months in UTC (PostgreSQL's month arithmetic clamps to
 * the month's last day, as the projection does); no reports due, since grants approved before
 * reporting schedules existed carry no `reportingInterval`.
 */
export class GrantPeriodInViews1795852800520 implements MigrationInterface {
  name = 'GrantPeriodInViews1795852800520';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      UPDATE aid_request_views v
         SET view = (v.view::jsonb || jsonb_build_object(
               'endsAt', (
                 SELECT to_char(((e.data->>'approvedAt')::timestamptz AT TIME ZONE 'UTC')
                                  + make_interval(months => coalesce((v.view->'capacity'->>'durationMonths')::int, 3)),
                                'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                   FROM events e
                  WHERE e.stream_id = 'aid-request-' || v.id::text AND e.event_type = 'GrantApproved'
                  ORDER BY e.stream_version
                  LIMIT 1),
               'amendments', '[]'::jsonb,
               'reportsDue', '[]'::jsonb))::json
       WHERE NOT (v.view::jsonb ? 'amendments')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`UPDATE aid_request_views SET view = (view::jsonb - 'endsAt' - 'amendments' - 'reportsDue')::json`);
  }
}
