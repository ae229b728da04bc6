import type { AmendmentType } from './amendment.events';

/** What an amendment proposes, in domain values. */
export type AmendmentTerms =
  | { readonly type: Extract<AmendmentType, 'no_cost_extension'>; readonly months: number }
  | { readonly type: Extract<AmendmentType, 'budget_revision'>; readonly tranches: readonly bigint[] }
  | { readonly type: Extract<AmendmentType, 'cost_increase'>; readonly amount: bigint }
  | { readonly type: Extract<AmendmentType, 'scope_change'>; readonly description: string };

interface AmendmentCommon {
  readonly id: string;
  readonly terms: AmendmentTerms;
  readonly reason: string;
  readonly proposedBy: string;
  readonly proposedAt: string;
}

export interface ProposedAmendment extends AmendmentCommon {
  readonly status: 'proposed';
}

/** Only a cost increase waits for a second officer; the increase is reserved in the fund meanwhile. */
export interface AmendmentAwaitingSecondApproval extends AmendmentCommon {
  readonly status: 'awaiting_second_approval';
  readonly terms: Extract<AmendmentTerms, { type: 'cost_increase' }>;
  readonly firstApproval: { readonly officer: string; readonly approvedAt: string };
}

export interface ApprovedAmendment extends AmendmentCommon {
  readonly status: 'approved';
  readonly approvals: readonly string[];
  readonly decidedAt: string;
}

export interface RejectedAmendment extends AmendmentCommon {
  readonly status: 'rejected';
  readonly rejectedBy: string;
  readonly decisionReason: string;
  readonly decidedAt: string;
}

export type Amendment = ProposedAmendment | AmendmentAwaitingSecondApproval | ApprovedAmendment | RejectedAmendment;

export type OpenAmendment = ProposedAmendment | AmendmentAwaitingSecondApproval;

export function isOpen(amendment: Amendment): amendment is OpenAmendment {
  return amendment.status === 'proposed' || amendment.status === 'awaiting_second_approval';
}
