/** A partner's due-diligence risk level, as an officer's assessment records it. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * What an approval needs to know of the partner: its latest assessment (risk level and the
 * instant it stops being valid), or null when the partner was never assessed. Read from the
 * partner's stream by the edge and carried by the approve command; the decider judges validity
 * at the command's `now`.
 */
export type PartnerStanding = { readonly riskLevel: RiskLevel; readonly validUntil: string } | null;

/** What a grant records of due diligence: the partner's risk level, or the emergency waiver of rapid response. */
export type DueDiligence = RiskLevel | 'waived_emergency';

/** The risk level of an assessment still valid at `now` (valid until its instant, exclusive), else null. */
export function validRiskLevel(standing: PartnerStanding, now: Date): RiskLevel | null {
  return standing !== null && Date.parse(standing.validUntil) > now.getTime() ? standing.riskLevel : null;
}
