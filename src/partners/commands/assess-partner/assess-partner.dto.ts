import { IsIn, IsISO8601, IsString, Length, Matches } from 'class-validator';
import { RISK_LEVELS, SUMMARY_MAX_LENGTH, type RiskLevel } from '../../domain/partner.values';

/** A bare date (`2027-06-30`): the assessment is valid to the end of that day, UTC. */
export const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

export class AssessPartnerDto {
  @IsIn(RISK_LEVELS)
  riskLevel!: RiskLevel;

  /** An ISO-8601 date-time with a UTC offset, or a bare date (the end of that day, UTC); in the future. */
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$|T.*(Z|[+-]\d{2}:?\d{2})$/, { message: 'validUntil must be a date-time with a UTC offset (2027-06-30T12:00:00Z) or a date (2027-06-30)' })
  validUntil!: string;

  @IsString()
  @Length(1, SUMMARY_MAX_LENGTH)
  summary!: string;
}

/** The instant `validUntil` names: a bare date is the last millisecond of that day, UTC. */
export function validUntilInstant(value: string): Date {
  return new Date(BARE_DATE.test(value) ? `${value}T23:59:59.999Z` : value);
}
