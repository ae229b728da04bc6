import { fromCentsString } from '../../kernel/money';
import type { FundEvent } from './fund.events';
import { EMPTY_WINDOW, type Commitment, type FundState, type OpenFund, type WindowBalance } from './fund.state';
import { FUND_WINDOWS, type FundWindow } from './fund.values';

export function evolveFund(state: FundState, event: FundEvent): FundState {
  switch (event.type) {
    case 'FundsAllocated': {
      const { fiscalYear, window, amount } = event.data;
      const fund: OpenFund = state.status === 'open' ? state : { status: 'open', fiscalYear, windows: emptyWindows(), commitments: {} };
      return changeWindow(fund, window, (w) => ({ ...w, allocated: w.allocated + fromCentsString(amount) }));
    }
    case 'FundsCommitted': {
      if (state.status !== 'open') return state;
      const { window, requestId } = event.data;
      const amount = fromCentsString(event.data.amount);
      const commitment: Commitment = { window, amount, disbursed: 0n, tranches: [] };
      const fund = changeWindow(state, window, (w) => ({ ...w, committed: w.committed + amount }));
      return { ...fund, commitments: { ...fund.commitments, [requestId]: commitment } };
    }
    case 'CommitmentReleased': {
      if (state.status !== 'open') return state;
      const { window, requestId } = event.data;
      const amount = fromCentsString(event.data.amount);
      const fund = changeWindow(state, window, (w) => ({ ...w, committed: w.committed - amount }));
      const { [requestId]: _released, ...commitments } = fund.commitments;
      return { ...fund, commitments };
    }
    case 'FundsDisbursed': {
      if (state.status !== 'open') return state;
      const { window, requestId, tranche } = event.data;
      const amount = fromCentsString(event.data.amount);
      const fund = changeWindow(state, window, (w) => ({ ...w, disbursed: w.disbursed + amount }));
      const commitment = Object.hasOwn(fund.commitments, requestId) ? fund.commitments[requestId] : undefined;
      if (!commitment) return fund;
      const paid: Commitment = { ...commitment, disbursed: commitment.disbursed + amount, tranches: [...commitment.tranches, tranche] };
      return { ...fund, commitments: { ...fund.commitments, [requestId]: paid } };
    }
    case 'CommitmentIncreased':
    case 'CommitmentReduced': {
      if (state.status !== 'open') return state;
      const { window, requestId } = event.data;
      const amount = event.type === 'CommitmentIncreased' ? fromCentsString(event.data.amount) : -fromCentsString(event.data.amount);
      const fund = changeWindow(state, window, (w) => ({ ...w, committed: w.committed + amount }));
      const commitment = Object.hasOwn(fund.commitments, requestId) ? fund.commitments[requestId] : undefined;
      if (!commitment) return fund;
      return { ...fund, commitments: { ...fund.commitments, [requestId]: { ...commitment, amount: commitment.amount + amount } } };
    }
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

function emptyWindows(): Record<FundWindow, WindowBalance> {
  return Object.fromEntries(FUND_WINDOWS.map((w) => [w, EMPTY_WINDOW])) as Record<FundWindow, WindowBalance>;
}

function changeWindow(fund: OpenFund, window: FundWindow, change: (balance: WindowBalance) => WindowBalance): OpenFund {
  return { ...fund, windows: { ...fund.windows, [window]: change(fund.windows[window]) } };
}
