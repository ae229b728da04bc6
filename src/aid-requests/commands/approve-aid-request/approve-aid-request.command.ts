import { Command } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestActionContext } from '../aid-request-action-context';
import type { ApproveAidRequestDto } from './approve-aid-request.dto';

export class ApproveAidRequestCommand extends Command<AidRequestView> {
  constructor(
    readonly action: AidRequestActionContext,
    readonly dto: ApproveAidRequestDto,
  ) {
    super();
  }
}
