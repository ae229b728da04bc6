import type { Track } from '../../kernel/track';

/** The fund's two funding windows; a request is funded from the window of its track. */
export const FUND_WINDOWS = ['rapid_response', 'capacity_building'] as const satisfies readonly Track[];
export type FundWindow = Track;

export function isFundWindow(value: unknown): value is FundWindow {
  return typeof value === 'string' && (FUND_WINDOWS as readonly string[]).includes(value);
}

/** Every single amount (an allocation, a commitment, a disbursement) is 1 .. 10^15 cents. */
export const MIN_FUND_AMOUNT_CENTS = 1n;
export const MAX_FUND_AMOUNT_CENTS = 1_000_000_000_000_000n;

/** Fiscal years are four-digit years. */
export const MIN_FISCAL_YEAR = 1000;
export const MAX_FISCAL_YEAR = 9999;

export const FUND_STREAM_TYPE = 'fund';

export function fundStreamId(fiscalYear: number): string {
  return `${FUND_STREAM_TYPE}-${fiscalYear}`;
}
