import { Command } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestActionContext } from '../aid-request-action-context';
import type { WithdrawAidRequestDto } from './withdraw-aid-request.dto';

export class WithdrawAidRequestCommand extends Command<AidRequestView> {
  constructor(
    readonly action: AidRequestActionContext,
    readonly dto: WithdrawAidRequestDto,
  ) {
    super();
  }
}
