import type { CommandContext } from '../../kernel/command-context';
import type { TriageConfig } from './triage.policy';
import type { ActionArea, RequestKind, Sector, Severity } from './aid-request.values';
import type { Priority } from '../../kernel/priority';
import type { SlaDeadline } from '../../kernel/sla';
import type { Track } from '../../kernel/track';
import type { Tlp } from '../../kernel/tlp';
import type { DocumentKind } from './document.values';
import type { PartnerStanding } from '../../kernel/due-diligence';
import type { EncryptedContact } from './aid-request.events';
import type { AmendmentCommand } from './amendment.commands';

export interface FileAidRequest {
  readonly type: 'FileAidRequest';
  readonly data: {
    readonly requestId: string;
    readonly kind: RequestKind;
    readonly title: string;
    readonly description: string;
    readonly actionArea: ActionArea;
    readonly amountRequested: bigint;
    readonly incident?: {
      readonly severity: Severity;
      readonly ongoing: boolean;
      readonly detectedAt: Date;
      readonly sectors: readonly Sector[];
    };
    readonly capacity?: {
      readonly durationMonths: number;
      readonly sectors: readonly Sector[];
      readonly milestones: readonly { readonly title: string; readonly amount: bigint }[];
    };
    /** Already encrypted at the edge under the request's new data key: the domain never sees the plaintext. */
    readonly contact?: EncryptedContact;
    /** How far the filing may travel (TLP 2.0); AMBER when not given. */
    readonly tlp?: Tlp;
  };
  readonly context: CommandContext;
}

/** The automatic triage of a newly filed request (a no-op once it has been triaged). */
export interface AutoTriage {
  readonly type: 'AutoTriage';
  readonly config: TriageConfig;
  readonly context: CommandContext;
}

/** An officer's override of the triage; the SLA deadlines are derived anew from the filing time. */
export interface OverrideTriage {
  readonly type: 'OverrideTriage';
  readonly data: { readonly track: Track; readonly priority: Priority; readonly reason: string };
  readonly config: TriageConfig;
  readonly context: CommandContext;
}

export interface ClaimAidRequest {
  readonly type: 'ClaimAidRequest';
  readonly context: CommandContext;
}

/** The SLA sweep found a deadline passed (or an earlier version's timer fired): breach it unless it was met. */
export interface CheckSla {
  readonly type: 'CheckSla';
  readonly data: { readonly deadline: SlaDeadline; readonly dueAt: string };
  readonly context: CommandContext;
}

export interface FlagPossibleDuplicate {
  readonly type: 'FlagPossibleDuplicate';
  readonly data: { readonly duplicateOf: string; readonly reason: string };
  readonly context: CommandContext;
}

export interface ScoreCapacityRequest {
  readonly type: 'ScoreCapacityRequest';
  /** What the capacity-building window still has available, or null when unknown. */
  readonly data: { readonly windowAvailable: bigint | null };
  readonly context: CommandContext;
}

export interface RequestInformation {
  readonly type: 'RequestInformation';
  readonly data: { readonly question: string };
  readonly context: CommandContext;
}

export interface ProvideInformation {
  readonly type: 'ProvideInformation';
  readonly data: { readonly answer: string };
  readonly context: CommandContext;
}

/** The rules an approval is judged by, from configuration. */
export interface ApprovalPolicy {
  /** Cents: an approval of this amount or more needs two distinct officers. */
  readonly fourEyesThreshold: bigint;
  /** The fund's fiscal year starts in this month (1–12); a request is funded from its filing year. */
  readonly fiscalYearStartMonth: number;
  /** HIGH_RISK_MAX_TRANCHE_PERCENT (1–100): no tranche of a high-risk grant may exceed this share of amountApproved. */
  readonly highRiskMaxTranchePercent: number;
  /** REPORTING_INTERVAL (ISO-8601): a capacity grant's progress reports fall due this often (P3M when not given). */
  readonly reportingInterval?: string;
}

export interface ApproveAidRequest {
  readonly type: 'ApproveAidRequest';
  readonly data: { readonly amountApproved: bigint; readonly tranches?: readonly bigint[] | undefined };
  readonly policy: ApprovalPolicy;
  /** The partner's latest assessment as read just before the command (see docs: the approval race). */
  readonly partner: PartnerStanding;
  readonly context: CommandContext;
}

export interface RejectAidRequest {
  readonly type: 'RejectAidRequest';
  readonly data: { readonly reason: string };
  readonly context: CommandContext;
}

export interface WithdrawAidRequest {
  readonly type: 'WithdrawAidRequest';
  readonly data: { readonly reason: string | null };
  readonly context: CommandContext;
}

export interface ReleaseTranche {
  readonly type: 'ReleaseTranche';
  readonly data: { readonly tranche: number };
  readonly context: CommandContext;
}

/** The disbursements worker paid a released tranche (a no-op when it was already paid). */
export interface DisburseTranche {
  readonly type: 'DisburseTranche';
  readonly data: { readonly tranche: number };
  readonly context: CommandContext;
}

export interface ReportProgress {
  readonly type: 'ReportProgress';
  readonly data: { readonly summary: string; readonly final: boolean };
  readonly context: CommandContext;
}

/** A document whose bytes are already stored under their SHA-256: record it on the request. */
export interface AttachDocument {
  readonly type: 'AttachDocument';
  readonly data: {
    readonly documentId: string;
    readonly name: string;
    readonly mediaType: string;
    readonly size: number;
    readonly sha256: string;
    readonly kind: DocumentKind;
    readonly tlp: Tlp;
    /** DOCUMENT_MAX_PER_REQUEST: a request takes no more documents than this. */
    readonly maxPerRequest: number;
  };
  readonly context: CommandContext;
}

/** An admin erases the request's contact details (crypto-shredding: their data key is destroyed). */
export interface ErasePersonalData {
  readonly type: 'ErasePersonalData';
  readonly data: { readonly reason: string };
  readonly context: CommandContext;
}

export type AidRequestCommand =
  | RequestInformation
  | ProvideInformation
  | ApproveAidRequest
  | RejectAidRequest
  | WithdrawAidRequest
  | ReleaseTranche
  | DisburseTranche
  | ReportProgress
  | FileAidRequest
  | AutoTriage
  | OverrideTriage
  | ClaimAidRequest
  | CheckSla
  | FlagPossibleDuplicate
  | ScoreCapacityRequest
  | AttachDocument
  | ErasePersonalData
  | AmendmentCommand;
