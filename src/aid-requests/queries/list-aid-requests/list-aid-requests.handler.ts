import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AidRequestViewStore } from '../../projections/aid-request-view.store';
import { ListAidRequestsQuery, type AidRequestPage } from './list-aid-requests.query';

@QueryHandler(ListAidRequestsQuery)
export class ListAidRequestsHandler implements IQueryHandler<ListAidRequestsQuery, AidRequestPage> {
  constructor(private readonly views: AidRequestViewStore) {}

  async execute({ actor, filter, after, limit }: ListAidRequestsQuery): Promise<AidRequestPage> {
    if (actor.role === 'partner') {
      // A partner's list is its own country's, whatever it asks for.
      if (filter.country !== undefined && filter.country !== actor.country) return { items: [] };
      return this.views.list({ ...filter, country: actor.country }, after, limit);
    }
    return this.views.list(filter, after, limit);
  }
}
