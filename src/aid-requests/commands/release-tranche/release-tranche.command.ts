import { Command } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestActionContext } from '../aid-request-action-context';

export class ReleaseTrancheCommand extends Command<AidRequestView> {
  constructor(
    readonly action: AidRequestActionContext,
    readonly tranche: number,
  ) {
    super();
  }
}
