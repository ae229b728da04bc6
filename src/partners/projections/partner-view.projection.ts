import type { Projection } from '../../commands/aggregate';
import type { PartnerState } from '../domain/partner.state';
import type { PartnerView } from './partner-view';

/**
 * The partner view, folded from the partner's stream when it is read: the stream holds one event
 * per assessment (a handful a year), so it needs no table of its own.
 */
export const partnerViewProjection: Projection<PartnerState, PartnerView> = {
  view: (country, state, version) => toPartnerView(country, state, version),
};

export function toPartnerView(country: string, state: PartnerState, version: number): PartnerView {
  if (state.status === 'unassessed') return { country, riskLevel: null, validUntil: null, assessments: [], version };
  const assessments = state.assessments.map(({ riskLevel, validUntil, summary, assessedBy, assessedAt }) => ({ riskLevel, validUntil, summary, assessedBy, assessedAt }));
  return { country, riskLevel: state.latest.riskLevel, validUntil: state.latest.validUntil, assessments, version };
}
