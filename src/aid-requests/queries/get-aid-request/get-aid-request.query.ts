import { Query } from '@nestjs/cqrs';
import type { Actor } from '../../../auth/actor';
import type { AidRequestView } from '../../projections/aid-request-view';

/** Resolves to the view, or undefined when it does not exist or the actor may not see it. */
export class GetAidRequestQuery extends Query<AidRequestView | undefined> {
  constructor(
    readonly id: string,
    readonly actor: Actor,
  ) {
    super();
  }
}
