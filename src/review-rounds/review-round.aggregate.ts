import type { Aggregate } from '../commands/aggregate';
import { REVIEW_ROUND_STREAM_TYPE, reviewRoundDecider, reviewRoundStreamId, type CloseReviewRound, type ReviewRoundEvent, type ReviewRoundState } from './domain/review-round.decider';

/** A quarterly review round (`review-round-<2027-Q1>`): closed once, with its ranking. It has no read model of its own. */
export const reviewRounds: Aggregate<ReviewRoundState, CloseReviewRound, ReviewRoundEvent, ReviewRoundState> = {
  streamType: REVIEW_ROUND_STREAM_TYPE,
  streamId: reviewRoundStreamId,
  decider: reviewRoundDecider,
  projection: { view: (_roundId, state) => state },
};
