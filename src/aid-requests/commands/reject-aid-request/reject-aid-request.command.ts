import { Command } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestActionContext } from '../aid-request-action-context';
import type { RejectAidRequestDto } from './reject-aid-request.dto';

export class RejectAidRequestCommand extends Command<AidRequestView> {
  constructor(
    readonly action: AidRequestActionContext,
    readonly dto: RejectAidRequestDto,
  ) {
    super();
  }
}
