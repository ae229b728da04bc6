import type { Aggregate } from '../commands/aggregate';
import type { FundCommand } from './domain/fund.commands';
import { fundDecider } from './domain/fund.decider';
import type { FundEvent } from './domain/fund.events';
import type { FundState } from './domain/fund.state';
import { FUND_STREAM_TYPE, fundStreamId } from './domain/fund.values';
import type { FundView } from './projections/fund-view';
import { fundViewProjection } from './projections/fund-view.projection';

/** A fiscal year's fund (`fund-<fiscal year>`, the id being the year). */
export const funds: Aggregate<FundState, FundCommand, FundEvent, FundView> = {
  streamType: FUND_STREAM_TYPE,
  streamId: (fiscalYear) => fundStreamId(Number(fiscalYear)),
  decider: fundDecider,
  projection: fundViewProjection,
  // Every approval, release and disbursement of the year reads this stream.
  cacheStates: true,
};
