/** A partner's due-diligence risk level, as an officer's assessment records it. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export function isRiskLevel(value: unknown): value is RiskLevel {
  return typeof value === 'string' && (RISK_LEVELS as readonly string[]).includes(value);
}

/** A partner is a country: ISO 3166-1 alpha-2, in capitals (as in tokens and filters). */
export const COUNTRY_CODE = /^[A-Z]{2}$/;

/** An assessment's summary: 1..2,000 characters. */
export const SUMMARY_MAX_LENGTH = 2_000;

export const PARTNER_STREAM_TYPE = 'partner';

export function partnerStreamId(country: string): string {
  return `${PARTNER_STREAM_TYPE}-${country}`;
}
