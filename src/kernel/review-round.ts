/**
 * The calendar of quarterly review rounds for capacity-building requests (UTC): shared by the aid
 * request (which round a scored request joins) and the review round (when it may close).
 *
 * Round `YYYY-Qn` closes when quarter n of YYYY begins and opens when the quarter before it began:
 * it collects the requests assigned during the quarter before the one it is named after. For example
 * `2027-Q1` opens 2026-10-01T00:00:00Z and closes 2027-01-01T00:00:00Z.
 */

/** Quarterly review rounds, named like 2027-Q1, closing when that quarter begins (UTC). */
export interface ReviewRound {
  readonly roundId: string;
  readonly opensAt: Date;
  readonly closesAt: Date;
}

const ROUND_ID = /^([1-9]\d{3})-Q([1-4])$/;

/** The round whose `closesAt` is strictly after `now`: the one named after the next quarter. */
export function nextReviewRound(now: Date): ReviewRound {
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new RangeError('nextReviewRound: now is not a valid date');
  const year = now.getUTCFullYear();
  const quarter = Math.floor(now.getUTCMonth() / 3) + 1; // the quarter `now` falls in, 1..4
  // That quarter began at or before `now`, so the next quarter start is the first one strictly after it.
  return quarter === 4 ? roundOf(year + 1, 1) : roundOf(year, quarter + 1);
}

/** Parses a round id (`2027-Q1`); undefined for anything malformed. */
export function reviewRound(roundId: string): ReviewRound | undefined {
  const match = ROUND_ID.exec(roundId);
  if (!match) return undefined;
  const [, yearText, quarterText] = match;
  return roundOf(Number(yearText), Number(quarterText));
}

function roundOf(year: number, quarter: number): ReviewRound {
  const closesAt = quarterStart(year, quarter);
  const opensAt = quarter === 1 ? quarterStart(year - 1, 4) : quarterStart(year, quarter - 1);
  return { roundId: `${year}-Q${quarter}`, opensAt, closesAt };
}

function quarterStart(year: number, quarter: number): Date {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 onto 1900–1999.
  date.setUTCFullYear(year, (quarter - 1) * 3, 1);
  date.setUTCHours(0, 0, 0, 0);
  return date;
}
