import { Injectable } from '@nestjs/common';
import { EventStore, handleCommand } from '@app/event-store';
import { AidRequestViewStore } from '../aid-requests/projections/aid-request-view.store';
import type { CommandActor, CommandTrace } from '../aid-requests/commands/aid-request-command.runner';
import { IdGenerator } from '../common/ids';
import { reviewRound } from '../triage/domain/review-round';
import { REVIEW_ROUND_STREAM_TYPE, reviewRoundDecider, reviewRoundStreamId } from './domain/review-round.decider';

/** Closes every review round whose quarter has begun, recording its ranking once (`ReviewRoundClosed`). */
@Injectable()
export class ReviewRoundCloser {
  constructor(
    private readonly eventStore: EventStore,
    private readonly views: AidRequestViewStore,
    private readonly ids: IdGenerator,
  ) {}

  async closeDueRounds(now: Date, actor: CommandActor, trace: CommandTrace): Promise<string[]> {
    const closed: string[] = [];
    for (const roundId of await this.views.unclosedReviewRounds()) {
      const round = reviewRound(roundId);
      if (round === undefined || round.closesAt.getTime() > now.getTime()) continue;
      const entries = (await this.views.reviewRoundEntries(roundId)).map((e) => ({ requestId: e.requestId, score: e.score, assignedAt: e.filedAt }));
      const outcome = await handleCommand(
        this.eventStore,
        reviewRoundDecider,
        { type: 'CloseReviewRound', roundId, entries, now },
        {
          streamId: reviewRoundStreamId(roundId),
          streamType: REVIEW_ROUND_STREAM_TYPE,
          metadata: { actor: { sub: actor.sub, role: actor.role }, ...trace, commandId: this.ids.newId() },
          newEventId: () => this.ids.newId(),
          expectNew: true,
        },
      );
      if (outcome.events.length > 0) closed.push(roundId);
    }
    return closed;
  }
}
