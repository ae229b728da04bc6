import type { DomainEvent } from '@app/event-store/decider';
import type { CentsString } from '../../kernel/money';
import type { FundWindow } from './fund.values';

/** Budget added to a window by a fund manager; allocations add up. The first one opens the fund. */
export type FundsAllocated = DomainEvent<
  'FundsAllocated',
  {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly amount: CentsString;
    readonly note: string;
    readonly allocatedBy: string;
    readonly allocatedAt: string;
  }
>;

/** Money reserved in a window for an approved (or first-approved) request. */
export type FundsCommitted = DomainEvent<
  'FundsCommitted',
  {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly requestId: string;
    readonly amount: CentsString;
    readonly committedBy: string;
    readonly committedAt: string;
  }
>;

/** Why a commitment was released; `rejected` and `withdrawn` are the usual ones. */
export type ReleaseReason = 'rejected' | 'withdrawn' | (string & {});

/**
 * A commitment ended: `amount` is the part not yet disbursed, which goes back to the window
 * (the window's `committed` decreases by it). What was disbursed stays committed and disbursed.
 */
export type CommitmentReleased = DomainEvent<
  'CommitmentReleased',
  {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly requestId: string;
    readonly amount: CentsString;
    readonly reason: ReleaseReason;
    readonly releasedBy: string;
    readonly releasedAt: string;
  }
>;

/** One tranche of a commitment paid out; recorded once per tranche number. */
export type FundsDisbursed = DomainEvent<
  'FundsDisbursed',
  {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly requestId: string;
    readonly tranche: number;
    readonly amount: CentsString;
    readonly disbursedBy: string;
    readonly disbursedAt: string;
  }
>;

/** More money reserved for a request's open commitment, from its window (an approved cost increase). */
export type CommitmentIncreased = DomainEvent<
  'CommitmentIncreased',
  {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly requestId: string;
    readonly amount: CentsString;
    readonly committedBy: string;
    readonly committedAt: string;
  }
>;

/** Part of a commitment given back to its window; the commitment stays open with the rest. */
export type CommitmentReduced = DomainEvent<
  'CommitmentReduced',
  {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly requestId: string;
    readonly amount: CentsString;
    readonly reason: ReleaseReason;
    readonly releasedBy: string;
    readonly releasedAt: string;
  }
>;

export type FundEvent = FundsAllocated | FundsCommitted | CommitmentReleased | FundsDisbursed | CommitmentIncreased | CommitmentReduced;

export type FundEventType = FundEvent['type'];

export const FUND_EVENT_TYPES = ['FundsAllocated', 'FundsCommitted', 'CommitmentReleased', 'FundsDisbursed', 'CommitmentIncreased', 'CommitmentReduced'] as const satisfies readonly FundEventType[];
