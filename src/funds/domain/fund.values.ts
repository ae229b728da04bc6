import type { Track } from '../../aid-requests/domain/aid-request.values';

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

function checkStartMonth(startMonth: number): void {
  if (!Number.isInteger(startMonth) || startMonth < 1 || startMonth > 12) {
    throw new RangeError(`the fiscal year's start month must be an integer from 1 to 12, got ${startMonth}`);
  }
}

/**
 * The fiscal year `date` falls in, named by the calendar year in which it ends (UTC). With
 * `startMonth` 10, 2026-10-01T00:00Z .. 2027-09-30T23:59:59.999Z is FY2027; with 1 it is the
 * calendar year.
 */
export function fiscalYearOf(date: Date, startMonth: number): number {
  checkStartMonth(startMonth);
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('fiscalYearOf needs a valid date');
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  return startMonth === 1 || month < startMonth ? year : year + 1;
}

/** The first instant (UTC) of a fiscal year: `fiscalYearOf(d) === y` iff `start(y) ≤ d < start(y + 1)`. */
export function fiscalYearStart(fiscalYear: number, startMonth: number): Date {
  checkStartMonth(startMonth);
  if (!Number.isInteger(fiscalYear)) throw new RangeError(`a fiscal year must be an integer, got ${fiscalYear}`);
  const calendarYear = startMonth === 1 ? fiscalYear : fiscalYear - 1;
  const start = new Date(0);
  start.setUTCFullYear(calendarYear, startMonth - 1, 1);
  return start;
}
