import type { Decider } from '@app/event-store/decider';
import type { FundCommand } from './fund.commands';
import { decideFund } from './fund.decide';
import type { FundEvent } from './fund.events';
import { evolveFund } from './fund.evolve';
import { initialFundState, type FundState } from './fund.state';

export const fundDecider: Decider<FundState, FundCommand, FundEvent> = {
  initialState: initialFundState,
  evolve: evolveFund,
  decide: decideFund,
};
