import type { PartnerStanding } from '../../kernel/due-diligence';
import type { PartnerState } from './partner.state';

/** The partner's standing as an approval takes it: its latest assessment, or null before any. */
export function standingOf(state: PartnerState): PartnerStanding {
  return state.status === 'assessed' ? { riskLevel: state.latest.riskLevel, validUntil: state.latest.validUntil } : null;
}
