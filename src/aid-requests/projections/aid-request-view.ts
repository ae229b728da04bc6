import { assessmentOf, type AidRequestState, type ExistingAidRequest } from '../domain/aid-request.state';
import type { ActionArea, RequestKind, RequestStatus, Track } from '../domain/aid-request.values';
import type { CapacityDetails, Contact, IncidentDetails } from '../domain/aid-request.events';

/** The request view of the API contract (`GET /v1/aid-requests/:id` and every action's answer). */
export interface AidRequestView {
  readonly id: string;
  readonly country: string;
  readonly kind: RequestKind;
  readonly title: string;
  readonly description: string;
  readonly actionArea: ActionArea;
  readonly status: RequestStatus;
  readonly track: Track | null;
  readonly priority: number | null;
  readonly triageReasons: readonly string[];
  readonly amountRequested: number;
  readonly amountApproved: number | null;
  readonly acknowledgeBy: string | null;
  readonly decideBy: string | null;
  readonly slaBreaches: readonly string[];
  readonly assignedOfficer: string | null;
  readonly approvals: readonly string[];
  readonly tranches: readonly { readonly number: number; readonly amount: number; readonly status: string }[];
  readonly incident: (Omit<IncidentDetails, 'sectors'> & { readonly sectors: readonly string[] }) | null;
  readonly capacity:
    | (Omit<CapacityDetails, 'milestones'> & { readonly milestones: readonly { readonly title: string; readonly amount: number }[] })
    | null;
  readonly contact: Contact | null;
  /** Open requests of the same country that this one may duplicate (flagged by the incident-response automation). */
  readonly possibleDuplicates: readonly { readonly requestId: string; readonly reason: string }[];
  /** Capacity-building track: the 0–100 score with its breakdown, and the quarterly review round. */
  readonly score: number | null;
  readonly scoreBreakdown: readonly { readonly criterion: string; readonly points: number; readonly max: number; readonly reason: string }[];
  readonly reviewRound: string | null;
  readonly acknowledgedAt: string | null;
  /** While the fund waits for the partner. */
  readonly informationRequest: { readonly question: string; readonly requestedAt: string } | null;
  /** The fund window that pays (or would pay, after a first approval). */
  readonly funding: { readonly fiscalYear: number; readonly window: string } | null;
  readonly reports: readonly { readonly summary: string; readonly final: boolean; readonly reportedAt: string }[];
  readonly decisionReason: string | null;
  readonly filedBy: string;
  readonly version: number;
  readonly filedAt: string;
  readonly updatedAt: string;
}

/** Cents stay exact: every amount the API accepts is far below 2^53. */
function cents(amount: bigint | string): number {
  const value = Number(amount);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount ${String(amount)} exceeds the JSON-safe range`);
  return value;
}

export function toAidRequestView(state: ExistingAidRequest, version: number): AidRequestView {
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
    decisionReason: state.status === 'rejected' || state.status === 'withdrawn' ? state.reason : null,
    filedBy: filed.filedBy,
    version,
    filedAt: filed.filedAt,
    updatedAt: state.updatedAt,
  };
}

export function isExisting(state: AidRequestState): state is ExistingAidRequest {
  return state.status !== 'none';
}
