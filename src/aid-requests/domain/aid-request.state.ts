import type { ActionArea, RequestKind } from './aid-request.values';
import type { CapacityDetails, FundingSource, StoredContact, IncidentDetails, ScoreItemData, TriageSource } from './aid-request.events';
import type { Priority } from '../../kernel/priority';
import type { Track } from '../../kernel/track';
import type { SlaDeadline } from '../../kernel/sla';
import type { Tlp } from '../../kernel/tlp';
import type { DueDiligence } from '../../kernel/due-diligence';
import type { Amendment } from './amendment.state';

/** Contact details after their erasure: nothing of them is readable any more (see PersonalDataErased). */
export interface ErasedContact {
  readonly erased: true;
  /** Only for a request filed before contacts were encrypted: its plaintext stays in the sealed AidRequestFiled. */
  readonly sealedPlaintextRemains?: true;
}

/** The contact a request holds: its stored form until erased; null when filed without one. */
export type ContactRecord = StoredContact | ErasedContact;

export function isErased(contact: ContactRecord | null): contact is ErasedContact {
  return contact !== null && 'erased' in contact;
}

/** What was filed; fixed for the life of the request (but for the contact, which may be erased). */
export interface FiledRequest {
  readonly requestId: string;
  readonly country: string;
  readonly kind: RequestKind;
  readonly title: string;
  readonly description: string;
  readonly actionArea: ActionArea;
  readonly amountRequested: bigint;
  readonly incident: IncidentDetails | null;
  readonly capacity: CapacityDetails | null;
  readonly contact: ContactRecord | null;
  readonly filedBy: string;
  readonly filedAt: string;
  readonly tlp: Tlp;
  /** Documents attached so far (kept with the filing so that every later state carries it). */
  readonly documentCount: number;
}

export interface TriageOutcome {
  readonly track: Track;
  /** The current priority: raised one step by each breached SLA. */
  readonly priority: Priority;
  readonly reasons: readonly string[];
  readonly acknowledgeBy: string;
  readonly decideBy: string;
  readonly source: TriageSource;
}

/** Everything learned about a request after filing: its triage, SLA record and automation results. */
export interface Assessment {
  readonly triage: TriageOutcome;
  readonly acknowledgedAt: string | null;
  readonly slaBreaches: readonly SlaDeadline[];
  readonly duplicates: readonly { readonly requestId: string; readonly reason: string }[];
  readonly scoring: { readonly score: number; readonly breakdown: readonly ScoreItemData[] } | null;
  readonly reviewRound: { readonly roundId: string; readonly closesAt: string } | null;
  /** How long the decide clock has stood still, in total, while the fund waited for the partner. */
  readonly decidePausedMs: number;
}

export interface NoRequest {
  readonly status: 'none';
}

export interface SubmittedRequest {
  readonly status: 'submitted';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
}

export interface TriagedRequest {
  readonly status: 'triaged';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
  readonly assessment: Assessment;
}

export interface UnderReviewRequest {
  readonly status: 'under_review';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
  readonly assessment: Assessment;
  readonly assignedOfficer: string;
}

export interface InformationRequestedRequest {
  readonly status: 'information_requested';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
  readonly assessment: Assessment;
  readonly assignedOfficer: string;
  readonly question: string;
  readonly requestedAt: string;
}

/** A tranche; once disbursed, whether the partner has reported progress since (the next tranche may need it). */
export type Tranche =
  | { readonly number: number; readonly amount: bigint; readonly status: 'pending' | 'released' }
  | { readonly number: number; readonly amount: bigint; readonly status: 'disbursed'; readonly reportedSince: boolean };

/** The first of two approvals: the money is reserved in the fund until a second officer decides. */
export interface PendingApproval extends FundingSource {
  readonly officer: string;
  readonly amountApproved: bigint;
  readonly tranches: readonly { readonly number: number; readonly amount: bigint }[];
  readonly approvedAt: string;
  /** Judged at this first approval; null for one recorded before due diligence existed. */
  readonly dueDiligence: DueDiligence | null;
}

export interface AwaitingSecondApprovalRequest {
  readonly status: 'awaiting_second_approval';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
  readonly assessment: Assessment;
  readonly assignedOfficer: string;
  readonly firstApproval: PendingApproval;
}

export interface Grant extends FundingSource {
  readonly amountApproved: bigint;
  readonly tranches: readonly Tranche[];
  readonly approvals: readonly string[];
  readonly approvedAt: string;
  /** The risk level (or waiver) the grant was approved under; null for grants approved before due diligence. */
  readonly dueDiligence: DueDiligence | null;
  /** When the grant period ends: approval + the capacity duration (3 months for rapid response), moved by extensions. */
  readonly endsAt: string;
  /** A progress report is due every this long (ISO-8601) from approval until endsAt; null: none due. */
  readonly reportingInterval: string | null;
  /** Due dates (ISO) for which ReportOverdue was recorded, oldest first. */
  readonly overdueReports: readonly string[];
  /** Changes proposed to the grant, oldest first. */
  readonly amendments: readonly Amendment[];
}

export interface ProgressReport {
  readonly summary: string;
  readonly final: boolean;
  readonly reportedAt: string;
}

export interface ApprovedRequest {
  readonly status: 'approved';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
  readonly assessment: Assessment;
  readonly assignedOfficer: string;
  readonly grant: Grant;
  readonly reports: readonly ProgressReport[];
}

export interface ClosedRequest {
  readonly status: 'closed';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
  readonly assessment: Assessment;
  readonly assignedOfficer: string;
  readonly grant: Grant;
  readonly reports: readonly ProgressReport[];
  readonly closedAt: string;
}

export interface RejectedRequest {
  readonly status: 'rejected';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
  readonly assessment: Assessment;
  readonly rejectedBy: string;
  readonly reason: string;
  /** Approvals given before the rejection (a first of two). */
  readonly approvals: readonly string[];
}

export interface WithdrawnRequest {
  readonly status: 'withdrawn';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
  /** Null when the partner withdrew before triage. */
  readonly assessment: Assessment | null;
  readonly reason: string | null;
}

/** A request's state, by status: each status carries exactly the fields that exist in it. */
export type AidRequestState =
  | NoRequest
  | SubmittedRequest
  | TriagedRequest
  | UnderReviewRequest
  | InformationRequestedRequest
  | AwaitingSecondApprovalRequest
  | ApprovedRequest
  | ClosedRequest
  | RejectedRequest
  | WithdrawnRequest;

export type ExistingAidRequest = Exclude<AidRequestState, NoRequest>;
export type AssessedAidRequest = Extract<AidRequestState, { assessment: Assessment }>;

export const initialAidRequestState = (): AidRequestState => ({ status: 'none' });

export function isAssessed(state: AidRequestState): state is AssessedAidRequest {
  return state.status !== 'withdrawn' && 'assessment' in state;
}

/** The assessment, whatever the status (null before triage, or when withdrawn before it). */
export function assessmentOf(state: AidRequestState): Assessment | null {
  return 'assessment' in state ? state.assessment : null;
}

/** Still waiting on the fund: the decide deadline runs (except while the partner is asked for information). */
export function isUndecided(state: AidRequestState): boolean {
  return state.status === 'triaged' || state.status === 'under_review' || state.status === 'information_requested' || state.status === 'awaiting_second_approval';
}
