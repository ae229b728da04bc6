import type { ReleaseReason } from './fund.events';
import type { FundWindow } from './fund.values';
import type { CommandContext } from '../../kernel/command-context';

export type { CommandContext };

/** A fund manager adds budget to a window (admin only). */
export interface AllocateFunds {
  readonly type: 'AllocateFunds';
  readonly data: {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly amount: bigint;
    readonly note: string;
  };
  readonly context: CommandContext;
}

/** Reserve money in a window for a request's approval (officer or system). */
export interface CommitFunds {
  readonly type: 'CommitFunds';
  readonly data: {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly requestId: string;
    readonly amount: bigint;
  };
  readonly context: CommandContext;
}

/**
 * Give back the not-yet-disbursed part of a request's commitment (rejection, withdrawal).
 * A no-op when the request has no commitment.
 */
export interface ReleaseCommitment {
  readonly type: 'ReleaseCommitment';
  readonly data: {
    readonly fiscalYear: number;
    readonly requestId: string;
    readonly reason: ReleaseReason;
  };
  readonly context: CommandContext;
}

/** Pay out one tranche of a commitment (officer or system); idempotent by tranche number. */
export interface DisburseFunds {
  readonly type: 'DisburseFunds';
  readonly data: {
    readonly fiscalYear: number;
    readonly requestId: string;
    readonly tranche: number;
    readonly amount: bigint;
  };
  readonly context: CommandContext;
}

/**
 * Add to a request's open commitment (an approved cost increase), from the same window, never
 * beyond what the window has available (officer or system).
 */
export interface IncreaseCommitment {
  readonly type: 'IncreaseCommitment';
  readonly data: {
    readonly fiscalYear: number;
    readonly window: FundWindow;
    readonly requestId: string;
    readonly amount: bigint;
  };
  readonly context: CommandContext;
}

/** Give back part of a request's commitment that is not yet disbursed (a reserved cost increase rejected). */
export interface ReduceCommitment {
  readonly type: 'ReduceCommitment';
  readonly data: {
    readonly fiscalYear: number;
    readonly requestId: string;
    readonly amount: bigint;
    readonly reason: ReleaseReason;
  };
  readonly context: CommandContext;
}

export type FundCommand = AllocateFunds | CommitFunds | ReleaseCommitment | DisburseFunds | IncreaseCommitment | ReduceCommitment;
