import type { FundState, WindowBalance } from '../domain/fund.state';
import { available, windowBalance } from '../domain/fund.state';
import { FUND_WINDOWS, type FundWindow } from '../domain/fund.values';

export interface WindowView {
  readonly allocated: number;
  readonly committed: number;
  readonly disbursed: number;
  readonly available: number;
}

/** `GET /v1/funds/:fiscalYear`: cents as JSON integers (every amount the fund holds is far below 2^53). */
export interface FundView {
  readonly fiscalYear: number;
  readonly version: number;
  readonly windows: Readonly<Record<FundWindow, WindowView>>;
}

function cents(amount: bigint): number {
  const value = Number(amount);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount ${amount} exceeds the JSON-safe range`);
  return value;
}

function windowView(balance: WindowBalance): WindowView {
  return { allocated: cents(balance.allocated), committed: cents(balance.committed), disbursed: cents(balance.disbursed), available: cents(available(balance)) };
}

export function toFundView(fiscalYear: number, state: FundState, version: number): FundView {
  const windows = Object.fromEntries(FUND_WINDOWS.map((window) => [window, windowView(windowBalance(state, window))])) as Record<FundWindow, WindowView>;
  return { fiscalYear, version, windows };
}
