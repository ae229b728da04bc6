import type { Aggregate } from '../commands/aggregate';
import type { PartnerCommand } from './domain/partner.commands';
import { partnerDecider } from './domain/partner.decider';
import type { PartnerEvent } from './domain/partner.events';
import type { PartnerState } from './domain/partner.state';
import { PARTNER_STREAM_TYPE, partnerStreamId } from './domain/partner.values';
import type { PartnerView } from './projections/partner-view';
import { partnerViewProjection } from './projections/partner-view.projection';

/** A partner country's due diligence (`partner-<country>`, the id being the ISO 3166-1 alpha-2 code). */
export const partners: Aggregate<PartnerState, PartnerCommand, PartnerEvent, PartnerView> = {
  streamType: PARTNER_STREAM_TYPE,
  streamId: partnerStreamId,
  decider: partnerDecider,
  projection: partnerViewProjection,
};
