import type { PartnerEvent } from './partner.events';
import type { Assessment, PartnerState } from './partner.state';

/** Applies one event (PartnerAssessed, the only one so far): the assessment becomes the latest. */
export function evolvePartner(state: PartnerState, event: PartnerEvent): PartnerState {
  const { country, riskLevel, validUntil, summary, assessedBy, assessedAt } = event.data;
  const assessment: Assessment = { riskLevel, validUntil, summary, assessedBy, assessedAt };
  const earlier = state.status === 'assessed' ? state.assessments : [];
  return { status: 'assessed', country, latest: assessment, assessments: [...earlier, assessment] };
}
