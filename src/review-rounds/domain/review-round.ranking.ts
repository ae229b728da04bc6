/** How a closing review round ranks the requests assigned to it. */
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

