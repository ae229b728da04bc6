import type { SqlEffect } from '@app/event-store';
import type { Projection } from '../../commands/aggregate';
import { assessmentOf, type AidRequestState, type ExistingAidRequest } from '../domain/aid-request.state';
import type { AidRequestView } from './aid-request-view';
import { toAmendmentView } from './amendment-view';
import { reportsDue } from '../domain/reporting-schedule';

/**
 * `aid_request_views`: the request view of the API, kept by every append that changes the request
 * (in the same transaction, so the view never lags or leads the log). The view is stored as the
 * exact JSON the API answers with; the columns beside it are what queries filter and sort on.
 */
export const aidRequestViewProjection: Projection<AidRequestState, AidRequestView> = {
  view: (id, state, version) => {
    if (!isExisting(state)) throw new Error(`aid request ${id} has no state to view`);
    return toAidRequestView(state, version);
  },
  effect: (view): SqlEffect => ({
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
      tlp: view.tlp,
      viewJson: JSON.stringify(view),
    },
  }),
};

/**
 * The statement behind the effect above, as a PL/pgSQL function (which keeps its plan for the
 * session; the same statement run dynamically is planned again on every append: about 80 µs more
 * per append, measured). Installed by migrations (InstallProjections and any later one that
 * re-installs it); a test checks that the database holds exactly this text.
 */
export const AID_REQUEST_VIEW_PROJECT_FUNCTION = `CREATE OR REPLACE FUNCTION aid_request_view_project(p jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aid_request_views (id, country, kind, status, track, priority, decide_by, filed_at, updated_at, version, view,
                                 acknowledge_by, acknowledged_at, sla_breaches, detected_at, review_round, score, tlp)
  VALUES ((p->>'id')::uuid, p->>'country', p->>'kind', p->>'status', p->>'track', (p->>'priority')::smallint,
          (p->>'decideBy')::timestamptz, (p->>'filedAt')::timestamptz, (p->>'updatedAt')::timestamptz,
          (p->>'version')::integer, (p->>'viewJson')::json,
          (p->>'acknowledgeBy')::timestamptz, (p->>'acknowledgedAt')::timestamptz,
          ARRAY(SELECT jsonb_array_elements_text(p->'slaBreaches')),
          (p->>'detectedAt')::timestamptz, p->>'reviewRound', (p->>'score')::smallint, p->>'tlp')
  ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status, track = EXCLUDED.track, priority = EXCLUDED.priority,
    decide_by = EXCLUDED.decide_by, updated_at = EXCLUDED.updated_at,
    version = EXCLUDED.version, view = EXCLUDED.view,
    acknowledge_by = EXCLUDED.acknowledge_by, acknowledged_at = EXCLUDED.acknowledged_at,
    sla_breaches = EXCLUDED.sla_breaches, review_round = EXCLUDED.review_round, score = EXCLUDED.score
  WHERE aid_request_views.version < EXCLUDED.version;
END $$`;

/** Cents stay exact: every amount the API accepts is far below 2^53. */
function cents(amount: bigint | string): number {
  const value = Number(amount);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount ${String(amount)} exceeds the JSON-safe range`);
  return value;
}

function toAidRequestView(state: ExistingAidRequest, version: number): AidRequestView {
  const filed = state.filed;
  const assessment = assessmentOf(state);
  const grant = state.status === 'approved' || state.status === 'closed' ? state.grant : null;
  const firstApproval = state.status === 'awaiting_second_approval' ? state.firstApproval : null;
  const funding = grant ?? firstApproval;
  return {
    id: filed.requestId,
    country: filed.country,
    kind: filed.kind,
    title: filed.title,
    description: filed.description,
    actionArea: filed.actionArea,
    status: state.status,
    track: assessment?.triage.track ?? null,
    priority: assessment?.triage.priority ?? null,
    triageReasons: assessment?.triage.reasons ?? [],
    amountRequested: cents(filed.amountRequested),
    amountApproved: grant ? cents(grant.amountApproved) : firstApproval ? cents(firstApproval.amountApproved) : null,
    acknowledgeBy: assessment?.triage.acknowledgeBy ?? null,
    decideBy: assessment?.triage.decideBy ?? null,
    slaBreaches: assessment?.slaBreaches ?? [],
    assignedOfficer: 'assignedOfficer' in state ? state.assignedOfficer : null,
    approvals: grant ? grant.approvals : firstApproval ? [firstApproval.officer] : state.status === 'rejected' ? state.approvals : [],
    tranches: grant ? grant.tranches.map((t) => ({ number: t.number, amount: cents(t.amount), status: t.status })) : [],
    incident: filed.incident,
    capacity: filed.capacity && {
      ...filed.capacity,
      milestones: filed.capacity.milestones.map((m) => ({ title: m.title, amount: cents(m.amount) })),
    },
    contact: filed.contact,
    possibleDuplicates: assessment?.duplicates ?? [],
    score: assessment?.scoring?.score ?? null,
    scoreBreakdown: assessment?.scoring?.breakdown ?? [],
    reviewRound: assessment?.reviewRound?.roundId ?? null,
    acknowledgedAt: assessment?.acknowledgedAt ?? null,
    informationRequest: state.status === 'information_requested' ? { question: state.question, requestedAt: state.requestedAt } : null,
    funding: funding ? { fiscalYear: funding.fiscalYear, window: funding.window } : null,
    reports: 'reports' in state ? state.reports : [],
    endsAt: grant?.endsAt ?? null,
    amendments: grant ? grant.amendments.map(toAmendmentView) : [],
    reportsDue: grant && 'reports' in state ? reportsDue(grant, state.reports.length, state.status === 'approved') : [],
    decisionReason: state.status === 'rejected' || state.status === 'withdrawn' ? state.reason : null,
    filedBy: filed.filedBy,
    tlp: filed.tlp,
    version,
    filedAt: filed.filedAt,
    updatedAt: state.updatedAt,
  };
}

function isExisting(state: AidRequestState): state is ExistingAidRequest {
  return state.status !== 'none';
}
