import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import { AidRequestViewStore, type QueuePosition } from '../../projections/aid-request-view.store';
import { GetOfficerQueueQuery, type QueueItem } from './get-officer-queue.query';
import { slaState } from './sla-state';

@QueryHandler(GetOfficerQueueQuery)
export class GetOfficerQueueHandler implements IQueryHandler<GetOfficerQueueQuery> {
  constructor(
    private readonly views: AidRequestViewStore,
    private readonly clock: Clock,
  ) {}

  async execute({ after, limit }: GetOfficerQueueQuery): Promise<{ items: readonly QueueItem[]; next?: QueuePosition | undefined }> {
    const page = await this.views.queue(after, limit);
    const now = this.clock.now();
    return { items: page.items.map((view) => ({ ...view, sla: slaState(view, now) })), next: page.next };
  }
}
