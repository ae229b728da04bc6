import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestViewStore } from '../../projections/aid-request-view.store';
import { canSee } from '../visibility';
import { GetAidRequestQuery } from './get-aid-request.query';

@QueryHandler(GetAidRequestQuery)
export class GetAidRequestHandler implements IQueryHandler<GetAidRequestQuery, AidRequestView | undefined> {
  constructor(private readonly views: AidRequestViewStore) {}

  async execute({ id, actor }: GetAidRequestQuery): Promise<AidRequestView | undefined> {
    const view = await this.views.findById(id);
    return view !== undefined && canSee(actor, view.country) ? view : undefined;
  }
}
