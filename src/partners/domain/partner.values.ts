export { RISK_LEVELS, type RiskLevel } from '../../kernel/due-diligence';

/** A partner is a country: ISO 3166-1 alpha-2, in capitals (as in tokens and filters). */
export const COUNTRY_CODE = /^[A-Z]{2}$/;

/** An assessment's summary: 1..2,000 characters. */
export const SUMMARY_MAX_LENGTH = 2_000;

export const PARTNER_STREAM_TYPE = 'partner';

export function partnerStreamId(country: string): string {
  return `${PARTNER_STREAM_TYPE}-${country}`;
}
