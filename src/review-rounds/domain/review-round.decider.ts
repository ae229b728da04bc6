import { DomainError, type Decider, type DomainEvent } from '@app/event-store/decider';
import type { CommandContext } from '../../kernel/command-context';
import { reviewRound } from '../../kernel/review-round';
import { rankRound, type RankableEntry, type RankedEntry } from './review-round.ranking';

export type ReviewRoundClosed = DomainEvent<
  'ReviewRoundClosed',
  { readonly roundId: string; readonly closedAt: string; readonly ranking: readonly RankedEntry[] }
>;
export type ReviewRoundEvent = ReviewRoundClosed;

export type ReviewRoundState = { readonly status: 'open' } | { readonly status: 'closed'; readonly ranking: readonly RankedEntry[] };

/** Closes a quarterly round once its time has come, ranking the requests assigned to it by score. */
export interface CloseReviewRound {
  readonly type: 'CloseReviewRound';
  readonly roundId: string;
  readonly entries: readonly RankableEntry[];
  readonly context: CommandContext;
}

export const REVIEW_ROUND_STREAM_TYPE = 'review-round';

export function reviewRoundStreamId(roundId: string): string {
  return `${REVIEW_ROUND_STREAM_TYPE}-${roundId}`;
}

export const reviewRoundDecider: Decider<ReviewRoundState, CloseReviewRound, ReviewRoundEvent> = {
  initialState: () => ({ status: 'open' }),
  evolve: (_state, event) => ({ status: 'closed', ranking: event.data.ranking }),
  decide: (command, state) => {
    if (state.status === 'closed') return [];
    const round = reviewRound(command.roundId);
    if (round === undefined) return new DomainError('invalid', 'review_round.unknown', `${command.roundId} is not a review round`);
    if (command.context.now.getTime() < round.closesAt.getTime()) {
      return new DomainError('conflict', 'review_round.not_due', `${command.roundId} closes at ${round.closesAt.toISOString()}`);
    }
    return [{ type: 'ReviewRoundClosed', data: { roundId: command.roundId, closedAt: command.context.now.toISOString(), ranking: rankRound(command.entries) } }];
  },
};
