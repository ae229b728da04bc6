import { Query } from '@nestjs/cqrs';
import type { Actor } from '../../../auth/actor';
import type { PartnerView } from '../../projections/partner-view';

/** Resolves to the partner view, or undefined when the actor may not see it (a partner of another country). */
export class GetPartnerQuery extends Query<PartnerView | undefined> {
  constructor(
    readonly country: string,
    readonly actor: Actor,
  ) {
    super();
  }
}
