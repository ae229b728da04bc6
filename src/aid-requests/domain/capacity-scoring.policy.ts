/**
 * Scoring of capacity-building requests, 0–100 (an integer): the sum of four criteria. Each criterion
 * reports its points, its maximum and one sentence saying why, so that reviewers and auditors can
 * follow the score. Money is compared in bigint cents only: every threshold below is checked exactly
 * by cross-multiplying (part × 10 000 ≤ whole × basis points); reasons show shares rounded down.
 *
 * | criterion               | max | how the points are earned                                                            |
 * |-------------------------|-----|--------------------------------------------------------------------------------------|
 * | action_area_alignment   |  30 | base by action area (the fund's strategy): partner_capacity 22,                      |
 * |                         |     | countering_threats 22, open_secure_ecosystem 16, data_governance 14;                 |
 * |                         |     | + critical-infrastructure bonus (sectors other than `other`, distinct):              |
 * |                         |     | one sector +4, two or more +8                                                        |
 * | milestone_structure     |  30 | count (max 12): 0 → 0, 1 → 2, 2 → 6, 3 → 9, 4 → 11, 5 or more → 12;                  |
 * |                         |     | size (max 10), the largest milestone's share of the total:                           |
 * |                         |     | ≤ 25 % → 10, ≤ 35 % → 8, ≤ 50 % → 5, ≤ 75 % → 2, more → 0;                           |
 * |                         |     | balance (max 8), smallest ÷ largest milestone (two or more milestones only):         |
 * |                         |     | ≥ 50 % → 8, ≥ 25 % → 5, ≥ 10 % → 2, less → 0 (a single milestone gets 0).            |
 * |                         |     | So a single milestone scores 2 of 30; five equal milestones score 30.                |
 * | amount_vs_window        |  25 | the request's share of what the capacity-building window still has available:        |
 * |                         |     | ≤ 5 % → 25, ≤ 10 % → 21, ≤ 25 % → 16, ≤ 50 % → 10, ≤ 100 % → 4,                      |
 * |                         |     | more than available (or nothing available) → 0;                                      |
 * |                         |     | no allocation known yet (null) → a neutral 12                                        |
 * | duration                |  15 | 6–36 months → 15; 3–5 or 37–48 months → 8; 1–2 or 49–60 months → 3;                  |
 * |                         |     | anything else (under 1 month, over 60, not a number) → 0                             |
 */
import type { ActionArea, Sector } from './aid-request.values';
import { criticalSectors } from './triage.policy';

export type ScoringCriterion = 'action_area_alignment' | 'milestone_structure' | 'amount_vs_window' | 'duration';

export interface ScoreItem {
  readonly criterion: ScoringCriterion;
  readonly points: number;
  readonly max: number;
  readonly reason: string;
}

export interface CapacityScoringInput {
  readonly actionArea: ActionArea;
  readonly sectors: readonly Sector[];
  readonly durationMonths: number;
  readonly amountRequested: bigint;
  readonly milestones: readonly { readonly amount: bigint }[];
  /** What the capacity-building window still has available, or null when no allocation is known yet. */
  readonly windowAvailable: bigint | null;
}

export const SCORING_MAX: Readonly<Record<ScoringCriterion, number>> = {
  action_area_alignment: 30,
  milestone_structure: 30,
  amount_vs_window: 25,
  duration: 15,
};

/** The neutral points for `amount_vs_window` while no allocation is known. */
export const UNKNOWN_WINDOW_POINTS = 12;

export function scoreCapacityRequest(input: CapacityScoringInput): { readonly score: number; readonly breakdown: readonly ScoreItem[] } {
  const breakdown: ScoreItem[] = [
    scoreActionArea(input.actionArea, input.sectors),
    scoreMilestones(input.milestones),
    scoreAmountVsWindow(input.amountRequested, input.windowAvailable),
    scoreDuration(input.durationMonths),
  ];
  const score = breakdown.reduce((sum, item) => sum + item.points, 0);
  return { score, breakdown };
}

// --- action-area alignment (max 30) --------------------------------------------------------------

const ACTION_AREA_BASE: Readonly<Record<ActionArea, number>> = {
  partner_capacity: 22,
  countering_threats: 22,
  open_secure_ecosystem: 16,
  data_governance: 14,
};

function scoreActionArea(actionArea: ActionArea, sectors: readonly Sector[]): ScoreItem {
  const max = SCORING_MAX.action_area_alignment;
  const base = ACTION_AREA_BASE[actionArea];
  const critical = criticalSectors(sectors);
  const bonus = critical.length >= 2 ? 8 : critical.length === 1 ? 4 : 0;
  const points = Math.min(max, base + bonus);
  const sectorsPart =
    critical.length === 0
      ? 'no critical-infrastructure sector named (no bonus)'
      : `critical-infrastructure sector${critical.length === 1 ? '' : 's'} ${critical.join(', ')} (+${bonus})`;
  return {
    criterion: 'action_area_alignment',
    points,
    max,
    reason: `action area ${actionArea} scores ${base}; ${sectorsPart}: ${points} of ${max}`,
  };
}

// --- milestone structure (max 30) ----------------------------------------------------------------

const BP = 10_000n;

function countPoints(count: number): number {
  if (count <= 0) return 0;
  if (count === 1) return 2;
  if (count === 2) return 6;
  if (count === 3) return 9;
  if (count === 4) return 11;
  return 12;
}

/** part ÷ whole ≤ bp basis points, exactly (no rounding); whole > 0. */
function atMost(part: bigint, whole: bigint, bp: bigint): boolean {
  return part * BP <= whole * bp;
}

/** part ÷ whole ≥ bp basis points, exactly (no rounding); whole > 0. */
function atLeast(part: bigint, whole: bigint, bp: bigint): boolean {
  return part * BP >= whole * bp;
}

/** Basis points of part ÷ whole, rounded down, for display only; whole > 0. */
function basisPoints(part: bigint, whole: bigint): bigint {
  return (part * BP) / whole;
}

function largestSharePoints(largest: bigint, total: bigint): number {
  if (atMost(largest, total, 2_500n)) return 10;
  if (atMost(largest, total, 3_500n)) return 8;
  if (atMost(largest, total, 5_000n)) return 5;
  if (atMost(largest, total, 7_500n)) return 2;
  return 0;
}

function balancePoints(smallest: bigint, largest: bigint): number {
  if (atLeast(smallest, largest, 5_000n)) return 8;
  if (atLeast(smallest, largest, 2_500n)) return 5;
  if (atLeast(smallest, largest, 1_000n)) return 2;
  return 0;
}

function scoreMilestones(milestones: readonly { readonly amount: bigint }[]): ScoreItem {
  const max = SCORING_MAX.milestone_structure;
  const count = milestones.length;
  if (count === 0) {
    return { criterion: 'milestone_structure', points: 0, max, reason: `no milestones: 0 of ${max}` };
  }
  const amounts = milestones.map((m) => (m.amount > 0n ? m.amount : 0n));
  const total = amounts.reduce((sum, a) => sum + a, 0n);
  const largest = amounts.reduce((a, b) => (b > a ? b : a));
  const smallest = amounts.reduce((a, b) => (b < a ? b : a));
  const forCount = countPoints(count);

  if (total === 0n) {
    const points = forCount;
    return {
      criterion: 'milestone_structure',
      points,
      max,
      reason: `${plural(count, 'milestone')} (${forCount}) without any amount, so neither size nor balance can be judged: ${points} of ${max}`,
    };
  }

  const forSize = largestSharePoints(largest, total);
  const parts = [
    `${plural(count, 'milestone')} (${forCount})`,
    `the largest is ${percent(basisPoints(largest, total))} of the total (${forSize})`,
  ];
  let forBalance = 0;
  if (count >= 2) {
    // total > 0, so largest > 0.
    forBalance = balancePoints(smallest, largest);
    parts.push(`the smallest is ${percent(basisPoints(smallest, largest))} of the largest (${forBalance})`);
  } else {
    parts.push('a single milestone cannot be balanced (0)');
  }
  const points = forCount + forSize + forBalance;
  return { criterion: 'milestone_structure', points, max, reason: `${parts.join('; ')}: ${points} of ${max}` };
}

// --- amount against what the window has left (max 25) --------------------------------------------

function shareOfWindowPoints(amount: bigint, available: bigint): number {
  if (atMost(amount, available, 500n)) return 25;
  if (atMost(amount, available, 1_000n)) return 21;
  if (atMost(amount, available, 2_500n)) return 16;
  if (atMost(amount, available, 5_000n)) return 10;
  return 4; // up to all of it
}

function scoreAmountVsWindow(amountRequested: bigint, windowAvailable: bigint | null): ScoreItem {
  const max = SCORING_MAX.amount_vs_window;
  if (windowAvailable === null) {
    return {
      criterion: 'amount_vs_window',
      points: UNKNOWN_WINDOW_POINTS,
      max,
      reason: `no capacity-building allocation is known yet, so the amount cannot be weighed against the window: neutral ${UNKNOWN_WINDOW_POINTS} of ${max}`,
    };
  }
  const requested = `${formatCents(amountRequested)} requested`;
  if (windowAvailable <= 0n) {
    return {
      criterion: 'amount_vs_window',
      points: 0,
      max,
      reason: `${requested}, but the capacity-building window has nothing available (${formatCents(windowAvailable)}): 0 of ${max}`,
    };
  }
  if (amountRequested > windowAvailable) {
    return {
      criterion: 'amount_vs_window',
      points: 0,
      max,
      reason: `${requested} is more than the ${formatCents(windowAvailable)} the capacity-building window has available: 0 of ${max}`,
    };
  }
  const amount = amountRequested > 0n ? amountRequested : 0n;
  const bp = basisPoints(amount, windowAvailable);
  const points = shareOfWindowPoints(amount, windowAvailable);
  return {
    criterion: 'amount_vs_window',
    points,
    max,
    reason: `${requested} is ${percent(bp)} of the ${formatCents(windowAvailable)} the capacity-building window has available: ${points} of ${max}`,
  };
}

// --- duration (max 15) ---------------------------------------------------------------------------

function scoreDuration(durationMonths: number): ScoreItem {
  const max = SCORING_MAX.duration;
  const d = durationMonths;
  let points: number;
  let why: string;
  if (!Number.isFinite(d)) {
    points = 0;
    why = 'the duration is not a number';
  } else if (d >= 6 && d <= 36) {
    points = 15;
    why = 'within the preferred 6–36 months';
  } else if ((d >= 3 && d < 6) || (d > 36 && d <= 48)) {
    points = 8;
    why = d < 6 ? 'shorter than the preferred 6–36 months' : 'longer than the preferred 6–36 months';
  } else if ((d >= 1 && d < 3) || (d > 48 && d <= 60)) {
    points = 3;
    why = d < 3 ? 'much shorter than the preferred 6–36 months' : 'much longer than the preferred 6–36 months';
  } else {
    points = 0;
    why = 'outside the 1–60 months the fund supports';
  }
  return { criterion: 'duration', points, max, reason: `${d} months, ${why}: ${points} of ${max}` };
}

// --- formatting ----------------------------------------------------------------------------------

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Basis points as a percentage with up to two decimals (`2500n` → `25%`, `1234n` → `12.34%`). */
function percent(bp: bigint): string {
  const whole = bp / 100n;
  const frac = bp % 100n;
  if (frac === 0n) return `${whole}%`;
  return `${whole}.${frac.toString().padStart(2, '0').replace(/0$/, '')}%`;
}

/** Cents as dollars with two decimals, digits grouped (`2500000n` → `$25,000.00`). */
function formatCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const dollars = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}$${dollars}.${rest}`;
}
