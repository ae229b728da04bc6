import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { canSee } from '../../../aid-requests/queries/visibility';
import { PartnerReader } from '../../partner-reader';
import type { PartnerView } from '../../projections/partner-view';
import { GetPartnerQuery } from './get-partner.query';

@QueryHandler(GetPartnerQuery)
export class GetPartnerHandler implements IQueryHandler<GetPartnerQuery, PartnerView | undefined> {
  constructor(private readonly reader: PartnerReader) {}

  /** A country never assessed is a partner without a risk level (version 0), not an error. */
  async execute({ country, actor }: GetPartnerQuery): Promise<PartnerView | undefined> {
    if (!canSee(actor, country)) return undefined;
    return this.reader.view(country);
  }
}
