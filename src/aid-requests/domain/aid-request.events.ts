import type { DomainEvent } from '@app/event-store/decider';
import type { CentsString } from '../../kernel/money';
import type { ActionArea, RequestKind, Sector, Severity } from './aid-request.values';
import type { Priority } from '../../kernel/priority';
import type { SlaDeadline } from '../../kernel/sla';
import type { Track } from '../../kernel/track';
import type { Tlp } from '../../kernel/tlp';
import type { DocumentKind } from './document.values';
import type { DueDiligence } from '../../kernel/due-diligence';
import type { AmendmentApproved, AmendmentProposed, AmendmentRejected, ReportOverdue } from './amendment.events';

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

/** Contact details as the partner gives them and as the API shows them to those who may read the request. */
export interface Contact {
  readonly name: string;
  readonly email: string;
}

/**
 * Contact details as AidRequestFiled (schema 2) stores them: the JSON of the Contact, encrypted
 * with AES-256-GCM under the request's own data key (random 96-bit IV, the request id as
 * additional authenticated data), each part in base64. The data key is kept, sealed, outside the
 * log; destroying it erases the contact while the event, and every hash over it, stay as they are.
 */
export interface EncryptedContact {
  readonly encrypted: { readonly v: 1; readonly iv: string; readonly ciphertext: string; readonly tag: string };
}

/**
 * A contact filed before contacts were encrypted (AidRequestFiled schema 1): the plaintext stays
 * in that sealed event, which cannot change without breaking the audit log. Readers see only this
 * mark; the API shows the copy re-encrypted beside the request's data key.
 */
export interface LegacyContact {
  readonly legacyPlaintext: true;
}

/** The stored form of a filed contact. */
export type StoredContact = EncryptedContact | LegacyContact;

/** AidRequestFiled's schema version: 2 since contacts are stored encrypted (1 held them in plaintext). */
export const AID_REQUEST_FILED_SCHEMA_VERSION = 2;

interface AidRequestFiledCommon {
  readonly requestId: string;
  readonly country: string;
  readonly title: string;
  readonly description: string;
  readonly actionArea: ActionArea;
  readonly amountRequested: CentsString;
  readonly contact: StoredContact | null;
  readonly filedBy: string;
  readonly filedAt: string;
  /** TLP 2.0 label of the filing; absent from filings recorded before labels existed, which count as AMBER. */
  readonly tlp?: Tlp;
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

export type InformationRequested = DomainEvent<
  'InformationRequested',
  { readonly requestId: string; readonly officer: string; readonly question: string; readonly requestedAt: string }
>;

export type InformationProvided = DomainEvent<
  'InformationProvided',
  {
    readonly requestId: string;
    readonly answer: string;
    readonly providedBy: string;
    readonly providedAt: string;
    /** The decide clock stood still while the fund waited for the partner: the deadline moves by this much. */
    readonly pausedMs: number;
    readonly decideBy: string;
  }
>;

export interface TrancheData {
  readonly number: number;
  readonly amount: CentsString;
}

/** Which fund window pays: the request's track, in the fiscal year of its filing. */
export interface FundingSource {
  readonly fiscalYear: number;
  readonly window: Track;
}

export type ApprovalRecorded = DomainEvent<
  'ApprovalRecorded',
  FundingSource & {
    readonly requestId: string;
    readonly officer: string;
    readonly amountApproved: CentsString;
    readonly tranches: readonly TrancheData[];
    /** The first of two approvals (four-eyes): the money is reserved and a second officer must confirm. */
    readonly awaitingSecondApproval: boolean;
    readonly approvedAt: string;
    /** The partner's risk level (or the emergency waiver) judged at the first approval; absent from approvals recorded before due diligence. */
    readonly dueDiligence?: DueDiligence;
  }
>;

export type GrantApproved = DomainEvent<
  'GrantApproved',
  FundingSource & {
    readonly requestId: string;
    readonly amountApproved: CentsString;
    readonly tranches: readonly TrancheData[];
    readonly approvals: readonly string[];
    readonly approvedAt: string;
    /** The partner's risk level, or "waived_emergency" (rapid response without a valid assessment); absent from grants approved before due diligence. */
    readonly dueDiligence?: DueDiligence;
    /**
     * REPORTING_INTERVAL at approval (ISO-8601) for a capacity grant, null for rapid response: a
     * progress report is due every interval from approval until the grant ends. Absent from grants
     * approved before reporting schedules existed, which have none.
     */
    readonly reportingInterval?: string | null;
  }
>;

export type AidRequestRejected = DomainEvent<
  'AidRequestRejected',
  {
    readonly requestId: string;
    readonly officer: string;
    readonly reason: string;
    readonly rejectedAt: string;
    /** Money a first approval had reserved, now returned to the window. */
    readonly released: (FundingSource & { readonly amount: CentsString }) | null;
  }
>;

export type AidRequestWithdrawn = DomainEvent<
  'AidRequestWithdrawn',
  {
    readonly requestId: string;
    readonly withdrawnBy: string;
    readonly reason: string | null;
    readonly withdrawnAt: string;
    readonly released: (FundingSource & { readonly amount: CentsString }) | null;
  }
>;

export type TrancheReleased = DomainEvent<
  'TrancheReleased',
  FundingSource & {
    readonly requestId: string;
    readonly tranche: number;
    readonly amount: CentsString;
    readonly releasedBy: string;
    readonly releasedAt: string;
  }
>;

export type TrancheDisbursed = DomainEvent<
  'TrancheDisbursed',
  FundingSource & { readonly requestId: string; readonly tranche: number; readonly amount: CentsString; readonly disbursedAt: string }
>;

export type ProgressReported = DomainEvent<
  'ProgressReported',
  { readonly requestId: string; readonly summary: string; readonly final: boolean; readonly reportedBy: string; readonly reportedAt: string }
>;

export type GrantClosed = DomainEvent<'GrantClosed', { readonly requestId: string; readonly closedAt: string }>;

/** A document attached to the request: its metadata and SHA-256 (hex), never its content. */
export type DocumentAttached = DomainEvent<
  'DocumentAttached',
  {
    readonly id: string;
    readonly requestId: string;
    readonly name: string;
    readonly mediaType: string;
    readonly size: number;
    readonly sha256: string;
    readonly kind: DocumentKind;
    readonly tlp: Tlp;
    readonly uploadedBy: { readonly sub: string; readonly role: string };
    readonly uploadedAt: string;
  }
>;

/**
 * The request's contact details were erased: their data key is destroyed in the same transaction,
 * so the ciphertext in AidRequestFiled can no longer be read. `sealedPlaintextRemains` is true for
 * a request filed before contacts were encrypted, whose plaintext stays in its sealed event.
 */
export type PersonalDataErased = DomainEvent<
  'PersonalDataErased',
  {
    readonly requestId: string;
    readonly erasedBy: string;
    readonly reason: string;
    readonly erasedAt: string;
    readonly sealedPlaintextRemains: boolean;
  }
>;

export type AidRequestEvent =
  | InformationRequested
  | InformationProvided
  | ApprovalRecorded
  | GrantApproved
  | AidRequestRejected
  | AidRequestWithdrawn
  | TrancheReleased
  | TrancheDisbursed
  | ProgressReported
  | GrantClosed
  | AidRequestFiled
  | AidRequestTriaged
  | AidRequestClaimed
  | SlaBreached
  | PossibleDuplicateFlagged
  | CapacityRequestScored
  | AssignedToReviewRound
  | DocumentAttached
  | PersonalDataErased
  | AmendmentProposed
  | AmendmentApproved
  | AmendmentRejected
  | ReportOverdue;


export const AID_REQUEST_STREAM_TYPE = 'aid-request';

export function aidRequestStreamId(requestId: string): string {
  return `${AID_REQUEST_STREAM_TYPE}-${requestId}`;
}
