import type { DomainEvent } from '@app/event-store/decider';
import type { CentsString } from '../../kernel/money';
import type { Track } from '../../kernel/track';

/* The same shapes as FundingSource and TrancheData of aid-request.events.ts (which imports this file). */
interface FundingSource {
  readonly fiscalYear: number;
  readonly window: Track;
}
interface TrancheData {
  readonly number: number;
  readonly amount: CentsString;
}

/** The four kinds of change a partner may propose to an approved grant, with what each changes. */
export type AmendmentTermsData =
  | { readonly type: 'no_cost_extension'; readonly months: number }
  | { readonly type: 'budget_revision'; readonly tranches: readonly { readonly amount: CentsString }[] }
  | { readonly type: 'cost_increase'; readonly amount: CentsString }
  | { readonly type: 'scope_change'; readonly description: string };

export type AmendmentType = AmendmentTermsData['type'];

export const AMENDMENT_TYPES = ['no_cost_extension', 'budget_revision', 'cost_increase', 'scope_change'] as const satisfies readonly AmendmentType[];

export type AmendmentProposed = DomainEvent<
  'AmendmentProposed',
  {
    readonly requestId: string;
    readonly amendmentId: string;
    readonly terms: AmendmentTermsData;
    readonly reason: string;
    readonly proposedBy: string;
    readonly proposedAt: string;
  }
>;

/**
 * What an approved amendment changed on the grant, stated in full so that the grant's new shape is
 * a recorded fact: a cost increase's money (committed from the grant's window) and the grant's new
 * total and tranches; a budget revision's new tranches; an extension's new end.
 */
export type AmendmentEffect =
  | { readonly type: 'no_cost_extension'; readonly endsAt: string }
  | { readonly type: 'budget_revision'; readonly tranches: readonly TrancheData[] }
  | (FundingSource & { readonly type: 'cost_increase'; readonly amount: CentsString; readonly amountApproved: CentsString; readonly tranches: readonly TrancheData[] })
  | { readonly type: 'scope_change'; readonly description: string };

export type AmendmentApproved = DomainEvent<
  'AmendmentApproved',
  {
    readonly requestId: string;
    readonly amendmentId: string;
    readonly officer: string;
    /**
     * The first of two approvals (four-eyes on a cost increase's new total): the increase is
     * reserved in the fund, and `effect` applies only with the second officer's approval.
     */
    readonly awaitingSecondApproval: boolean;
    readonly approvals: readonly string[];
    readonly effect: AmendmentEffect;
    /** The officer's note, when one was given. */
    readonly reason: string | null;
    readonly approvedAt: string;
  }
>;

export type AmendmentRejected = DomainEvent<
  'AmendmentRejected',
  {
    readonly requestId: string;
    readonly amendmentId: string;
    readonly officer: string;
    readonly reason: string;
    /** A cost increase a first approval had reserved, now returned to the window. */
    readonly released: (FundingSource & { readonly amount: CentsString }) | null;
    readonly rejectedAt: string;
  }
>;

/** A progress report fell due and none had come: recorded once per due date. */
export type ReportOverdue = DomainEvent<
  'ReportOverdue',
  { readonly requestId: string; readonly dueAt: string; readonly detectedAt: string }
>;
