import { Query } from '@nestjs/cqrs';
import type { Actor } from '../../../auth/actor';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestFilter, ListPosition } from '../../projections/aid-request-view.store';

export interface AidRequestPage {
  readonly items: readonly AidRequestView[];
  readonly next?: ListPosition | undefined;
}

export class ListAidRequestsQuery extends Query<AidRequestPage> {
  constructor(
    readonly actor: Actor,
    readonly filter: AidRequestFilter,
    readonly after: ListPosition | undefined,
    readonly limit: number,
  ) {
    super();
  }
}
