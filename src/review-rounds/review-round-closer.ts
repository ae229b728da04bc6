import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AidRequestViewStore } from '../aid-requests/projections/aid-request-view.store';
import type { CommandTrace } from '../commands/command-trace';
import { ExecuteCommand } from '../commands/execute-command.command';
import type { CommandContext } from '../kernel/command-context';
import { reviewRound } from '../kernel/review-round';
import { reviewRounds } from './review-round.aggregate';

/** Closes every review round whose quarter has begun, recording its ranking once (`ReviewRoundClosed`). */
@Injectable()
export class ReviewRoundCloser {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly views: AidRequestViewStore,
  ) {}

  async closeDueRounds(context: CommandContext, trace: CommandTrace): Promise<string[]> {
    const closed: string[] = [];
    for (const roundId of await this.views.unclosedReviewRounds()) {
      const round = reviewRound(roundId);
      if (round === undefined || round.closesAt.getTime() > context.now.getTime()) continue;
      const entries = (await this.views.reviewRoundEntries(roundId)).map((e) => ({ requestId: e.requestId, score: e.score, assignedAt: e.filedAt }));
      const result = await this.commandBus.execute(
        ExecuteCommand.on(reviewRounds, roundId, { type: 'CloseReviewRound', roundId, entries, context }, { trace, expectNew: true }),
      );
      if (result.events.length > 0) closed.push(roundId);
    }
    return closed;
  }
}
