import type { Priority } from '../../config/app-config';
import type { ActionArea, RequestKind, Track } from './aid-request.values';
import type { CapacityDetails, Contact, IncidentDetails, ScoreItemData, SlaDeadline, TriageSource } from './aid-request.events';

/** What was filed; fixed for the life of the request. */
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
  readonly contact: Contact | null;
  readonly filedBy: string;
  readonly filedAt: string;
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

/** A request's state, by status: each status carries exactly the fields that exist in it. */
export type AidRequestState = NoRequest | SubmittedRequest | TriagedRequest | UnderReviewRequest;

export type ExistingAidRequest = Exclude<AidRequestState, NoRequest>;
export type AssessedAidRequest = Extract<AidRequestState, { assessment: Assessment }>;

export const initialAidRequestState = (): AidRequestState => ({ status: 'none' });

export function isAssessed(state: AidRequestState): state is AssessedAidRequest {
  return 'assessment' in state;
}
