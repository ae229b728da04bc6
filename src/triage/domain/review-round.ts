/**
 * Quarterly review rounds for capacity-building requests (UTC).
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

export interface RankableEntry {
  readonly requestId: string;
  readonly score: number;
  readonly assignedAt: string;
}

export interface RankedEntry {
  requestId: string;
  score: number;
  rank: number;
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

/**
 * Ranks a round's requests: by score, highest first; ties go to the earlier `assignedAt`, then to the
 * lower `requestId`. Ranks are 1-based and distinct. The input is left untouched.
 */
export function rankRound(entries: readonly RankableEntry[]): RankedEntry[] {
  return [...entries]
    .sort(compareEntries)
    .map((entry, index) => ({ requestId: entry.requestId, score: entry.score, rank: index + 1 }));
}

function compareEntries(a: RankableEntry, b: RankableEntry): number {
  if (a.score !== b.score) return b.score - a.score;
  const byAssigned = compareInstants(a.assignedAt, b.assignedAt);
  if (byAssigned !== 0) return byAssigned;
  return compareStrings(a.requestId, b.requestId);
}

/** Compares ISO-8601 instants by time (offsets and precision may differ); unparsable ones sort last, by text. */
function compareInstants(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  const va = Number.isFinite(ta);
  const vb = Number.isFinite(tb);
  if (va && vb) return ta === tb ? 0 : ta < tb ? -1 : 1;
  if (va !== vb) return va ? -1 : 1;
  return compareStrings(a, b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
