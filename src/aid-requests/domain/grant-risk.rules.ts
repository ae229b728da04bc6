import type { DueDiligence } from '../../kernel/due-diligence';

/** What a grant's recorded due diligence asks of its approval and of its tranches. */
export interface GrantRiskRules {
  /** Every approval needs two distinct officers, whatever the amount. */
  readonly fourEyes: boolean;
  /** No tranche may exceed the policy's share of amountApproved (HIGH_RISK_MAX_TRANCHE_PERCENT). */
  readonly trancheCap: boolean;
  /** A tranche after the first is released only after a progress report filed since the previous one was disbursed. */
  readonly reportBeforeNextTranche: boolean;
}

/** The contract's rules by risk level, as data (docs/api.md, "Due diligence"). */
export const GRANT_RISK_RULES: Readonly<Record<DueDiligence, GrantRiskRules>> = {
  low: { fourEyes: false, trancheCap: false, reportBeforeNextTranche: false },
  medium: { fourEyes: false, trancheCap: false, reportBeforeNextTranche: true },
  high: { fourEyes: true, trancheCap: true, reportBeforeNextTranche: true },
  waived_emergency: { fourEyes: false, trancheCap: false, reportBeforeNextTranche: false },
};

/** Grants approved before due diligence existed keep the rules they were approved under: none of these. */
export function rulesFor(dueDiligence: DueDiligence | null): GrantRiskRules {
  return dueDiligence === null ? GRANT_RISK_RULES.low : GRANT_RISK_RULES[dueDiligence];
}

/** Whether `tranche` stays within `percent` of `amountApproved` (exact: no rounding). */
export function withinCap(tranche: bigint, amountApproved: bigint, percent: number): boolean {
  return tranche * 100n <= amountApproved * BigInt(percent);
}

/**
 * Default tranches split so that none exceeds the cap: each tranche over it becomes the fewest
 * near-equal parts that fit (k = ⌈amount / cap⌉ parts of ⌊amount / k⌋, the remainder spread one
 * cent each over the last parts), in order, then all are numbered anew. The sum is unchanged.
 * Undefined when even one cent exceeds the cap (an amount too small to split).
 */
export function splitToCap(amounts: readonly bigint[], amountApproved: bigint, percent: number): bigint[] | undefined {
  const cap = (amountApproved * BigInt(percent)) / 100n;
  if (cap < 1n) return undefined;
  return amounts.flatMap((amount) => {
    if (amount <= cap) return [amount];
    const parts = (amount + cap - 1n) / cap;
    const base = amount / parts;
    const remainder = amount % parts;
    return Array.from({ length: Number(parts) }, (_, i) => (BigInt(i) >= parts - remainder ? base + 1n : base));
  });
}
