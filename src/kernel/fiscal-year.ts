/** Fiscal years, named by the calendar year in which they end (API: `FISCAL_YEAR_START_MONTH`). */
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
