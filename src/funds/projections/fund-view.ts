import type { FundWindow } from '../domain/fund.values';

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
