import type { CommandContext } from '../../kernel/command-context';
import type { AmendmentTerms } from './amendment.state';

/** The partner proposes a change to its approved grant; the id is made by the caller (UUIDv7). */
export interface ProposeAmendment {
  readonly type: 'ProposeAmendment';
  readonly data: { readonly amendmentId: string; readonly terms: AmendmentTerms; readonly reason: string };
  readonly context: CommandContext;
}

/** The rules an amendment's approval is judged by, from configuration. */
export interface AmendmentPolicy {
  /** Cents: a cost increase that brings the grant's total to this or more needs two distinct officers. */
  readonly fourEyesThreshold: bigint;
  /** HIGH_RISK_MAX_TRANCHE_PERCENT: a high-risk grant's tranches stay within this share of its total after an amendment too. */
  readonly highRiskMaxTranchePercent: number;
}

export interface ApproveAmendment {
  readonly type: 'ApproveAmendment';
  readonly data: { readonly amendmentId: string; readonly reason: string | null };
  readonly policy: AmendmentPolicy;
  readonly context: CommandContext;
}

export interface RejectAmendment {
  readonly type: 'RejectAmendment';
  readonly data: { readonly amendmentId: string; readonly reason: string };
  readonly context: CommandContext;
}

/** A report's due date passed (its timer fired, or the sweep found it): record every missed one. */
export interface CheckReports {
  readonly type: 'CheckReports';
  readonly context: CommandContext;
}

export type AmendmentCommand = ProposeAmendment | ApproveAmendment | RejectAmendment | CheckReports;
