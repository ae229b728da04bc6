import { Query } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { QueuePosition } from '../../projections/aid-request-view.store';
import type { SlaState } from './sla-state';

export type QueueItem = AidRequestView & { readonly sla: SlaState };

export class GetOfficerQueueQuery extends Query<{ items: readonly QueueItem[]; next?: QueuePosition | undefined }> {
  constructor(
    readonly after: QueuePosition | undefined,
    readonly limit: number,
  ) {
    super();
  }
}
