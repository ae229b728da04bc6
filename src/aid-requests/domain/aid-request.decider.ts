import type { Decider } from '@app/event-store/decider';
import type { AidRequestCommand } from './aid-request.commands';
import { decideAidRequest } from './aid-request.decide';
import type { AidRequestEvent } from './aid-request.events';
import { evolveAidRequest } from './aid-request.evolve';
import { initialAidRequestState, type AidRequestState } from './aid-request.state';

export const aidRequestDecider: Decider<AidRequestState, AidRequestCommand, AidRequestEvent> = {
  initialState: initialAidRequestState,
  evolve: evolveAidRequest,
  decide: decideAidRequest,
};
