import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { PartnerReader } from '../../../partners/partner-reader';
import type { AidRequestView } from '../../projections/aid-request-view';
import { AidRequestViewStore } from '../../projections/aid-request-view.store';
import { canSee } from '../visibility';
import { GetAidRequestQuery } from './get-aid-request.query';

@QueryHandler(GetAidRequestQuery)
export class GetAidRequestHandler implements IQueryHandler<GetAidRequestQuery, AidRequestView | undefined> {
  constructor(
    private readonly views: AidRequestViewStore,
    private readonly partners: PartnerReader,
  ) {}

  /** The stored view; for the fund's side (not the partner), with the partner's current risk level beside it. */
  async execute({ id, actor }: GetAidRequestQuery): Promise<AidRequestView | undefined> {
    const view = await this.views.findById(id);
    if (view === undefined || !canSee(actor, view.country)) return undefined;
    if (actor.role === 'partner') return view;
    return { ...view, partnerRiskLevel: (await this.partners.view(view.country)).riskLevel };
  }
}
