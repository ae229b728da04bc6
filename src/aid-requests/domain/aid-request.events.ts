import type { DomainEvent } from '@app/event-store';
import type { Priority } from '../../config/app-config';
import type { ActionArea, CentsString, RequestKind, Sector, Severity, Track } from './aid-request.values';

export interface IncidentDetails {
  readonly severity: Severity;
  readonly ongoing: boolean;
  readonly detectedAt: string;
  readonly sectors: readonly Sector[];
}

export interface CapacityDetails {
  readonly durationMonths: number;
  readonly sectors: readonly Sector[];
  readonly milestones: readonly { readonly title: string; readonly amount: CentsString }[];
}

export interface Contact {
  readonly name: string;
  readonly email: string;
}

interface AidRequestFiledCommon {
  readonly requestId: string;
  readonly country: string;
  readonly title: string;
  readonly description: string;
  readonly actionArea: ActionArea;
  readonly amountRequested: CentsString;
  readonly contact: Contact | null;
  readonly filedBy: string;
  readonly filedAt: string;
}

export type AidRequestFiledData =
  | (AidRequestFiledCommon & { readonly kind: Extract<RequestKind, 'incident_response'>; readonly incident: IncidentDetails })
  | (AidRequestFiledCommon & { readonly kind: Extract<RequestKind, 'capacity_building'>; readonly capacity: CapacityDetails });

export type AidRequestFiled = DomainEvent<'AidRequestFiled', AidRequestFiledData>;

/** Who decided a triage: the automatic policy, or an officer overriding it with a reason. */
export type TriageSource =
  | { readonly kind: 'policy' }
  | { readonly kind: 'officer'; readonly officer: string; readonly reason: string };

export type AidRequestTriaged = DomainEvent<
  'AidRequestTriaged',
  {
    readonly requestId: string;
    readonly track: Track;
    readonly priority: Priority;
    readonly reasons: readonly string[];
    readonly acknowledgeBy: string;
    readonly decideBy: string;
    readonly source: TriageSource;
    readonly triagedAt: string;
  }
>;

export type AidRequestClaimed = DomainEvent<
  'AidRequestClaimed',
  {
    readonly requestId: string;
    readonly officer: string;
    readonly claimedAt: string;
    /** Claiming acknowledges the request; true when that happened by the acknowledge deadline. */
    readonly acknowledgedInTime: boolean;
  }
>;

export const SLA_DEADLINES = ['acknowledge', 'decide'] as const;
export type SlaDeadline = (typeof SLA_DEADLINES)[number];

export type SlaBreached = DomainEvent<
  'SlaBreached',
  {
    readonly requestId: string;
    readonly deadline: SlaDeadline;
    readonly dueAt: string;
    readonly detectedAt: string;
    readonly previousPriority: Priority;
    readonly priority: Priority;
  }
>;

export type PossibleDuplicateFlagged = DomainEvent<
  'PossibleDuplicateFlagged',
  {
    readonly requestId: string;
    readonly duplicateOf: string;
    readonly reason: string;
    readonly flaggedAt: string;
  }
>;

export interface ScoreItemData {
  readonly criterion: string;
  readonly points: number;
  readonly max: number;
  readonly reason: string;
}

export type CapacityRequestScored = DomainEvent<
  'CapacityRequestScored',
  {
    readonly requestId: string;
    readonly score: number;
    readonly breakdown: readonly ScoreItemData[];
    readonly windowAvailable: CentsString | null;
    readonly scoredAt: string;
  }
>;

export type AssignedToReviewRound = DomainEvent<
  'AssignedToReviewRound',
  {
    readonly requestId: string;
    readonly roundId: string;
    readonly closesAt: string;
    readonly assignedAt: string;
  }
>;

export type AidRequestEvent =
  | AidRequestFiled
  | AidRequestTriaged
  | AidRequestClaimed
  | SlaBreached
  | PossibleDuplicateFlagged
  | CapacityRequestScored
  | AssignedToReviewRound;

export type AidRequestEventType = AidRequestEvent['type'];

export const AID_REQUEST_STREAM_TYPE = 'aid-request';

export function aidRequestStreamId(requestId: string): string {
  return `${AID_REQUEST_STREAM_TYPE}-${requestId}`;
}
