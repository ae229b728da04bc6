import type { DomainError } from '@app/event-store/decider';
import type { PartnerCommand } from './partner.commands';
import { PartnerErrors } from './partner.errors';
import type { PartnerEvent } from './partner.events';
import type { PartnerState } from './partner.state';
import { COUNTRY_CODE, SUMMARY_MAX_LENGTH } from './partner.values';

/**
 * An officer records an assessment of a partner country's risk (AssessPartner, the only command so
 * far). Every assessment is kept; the latest one is the partner's standing, so a reassessment may
 * raise or lower the risk and lengthen or shorten the validity.
 */
export function decidePartner(command: PartnerCommand, _state: PartnerState): readonly PartnerEvent[] | DomainError {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return PartnerErrors.officerOnly();
  const { country, riskLevel, validUntil, summary } = command.data;
  if (!COUNTRY_CODE.test(country)) return PartnerErrors.invalid([{ field: 'country', message: 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. CR' }]);
  if (Number.isNaN(validUntil.getTime()) || validUntil.getTime() <= now.getTime()) {
    return PartnerErrors.invalid([{ field: 'validUntil', message: `must be in the future (after ${now.toISOString()})` }]);
  }
  if (summary.trim().length === 0 || summary.length > SUMMARY_MAX_LENGTH) {
    return PartnerErrors.invalid([{ field: 'summary', message: `must be 1 to ${SUMMARY_MAX_LENGTH} characters, not only spaces` }]);
  }
  return [
    {
      type: 'PartnerAssessed',
      data: { country, riskLevel, validUntil: validUntil.toISOString(), summary, assessedBy: actor.sub, assessedAt: now.toISOString() },
    },
  ];
}
