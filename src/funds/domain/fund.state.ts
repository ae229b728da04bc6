import type { FundWindow } from './fund.values';

/** One window's books, in cents. Invariant: 0 ≤ disbursed ≤ committed ≤ allocated. */
export interface WindowBalance {
  readonly allocated: bigint;
  /** Reserved for approvals, including what has since been disbursed from them. */
  readonly committed: bigint;
  readonly disbursed: bigint;
}

/** An open reservation for one request. Invariant: 0 ≤ disbursed ≤ amount. */
export interface Commitment {
  readonly window: FundWindow;
  readonly amount: bigint;
  readonly disbursed: bigint;
  /** Tranche numbers already disbursed, in the order they were. */
  readonly tranches: readonly number[];
}

export interface NoFund {
  readonly status: 'none';
}

export interface OpenFund {
  readonly status: 'open';
  readonly fiscalYear: number;
  readonly windows: Readonly<Record<FundWindow, WindowBalance>>;
  /** Open commitments by request id; a released commitment is removed. */
  readonly commitments: Readonly<Record<string, Commitment>>;
}

/** A fund stream comes into existence with its first allocation. */
export type FundState = NoFund | OpenFund;

export const initialFundState = (): FundState => ({ status: 'none' });

export const EMPTY_WINDOW: WindowBalance = Object.freeze({ allocated: 0n, committed: 0n, disbursed: 0n });

/** What a window can still commit: allocated − committed. */
export function available(balance: WindowBalance): bigint {
  return balance.allocated - balance.committed;
}

/** A window's books; all zero for a fund that has no allocation yet. */
export function windowBalance(state: FundState, window: FundWindow): WindowBalance {
  return state.status === 'open' ? state.windows[window] : EMPTY_WINDOW;
}

/** The open commitment for a request, if any. */
export function commitmentOf(state: FundState, requestId: string): Commitment | undefined {
  if (state.status !== 'open') return undefined;
  return Object.hasOwn(state.commitments, requestId) ? state.commitments[requestId] : undefined;
}
