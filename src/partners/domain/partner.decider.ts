import type { Decider } from '@app/event-store/decider';
import type { PartnerCommand } from './partner.commands';
import { decidePartner } from './partner.decide';
import type { PartnerEvent } from './partner.events';
import { evolvePartner } from './partner.evolve';
import { initialPartnerState, type PartnerState } from './partner.state';

export const partnerDecider: Decider<PartnerState, PartnerCommand, PartnerEvent> = {
  initialState: initialPartnerState,
  evolve: evolvePartner,
  decide: decidePartner,
};
