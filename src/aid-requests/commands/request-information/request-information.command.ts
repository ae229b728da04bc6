import { Command } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestActionContext } from '../aid-request-action-context';
import type { RequestInformationDto } from './request-information.dto';

export class RequestInformationCommand extends Command<AidRequestView> {
  constructor(
    readonly action: AidRequestActionContext,
    readonly dto: RequestInformationDto,
  ) {
    super();
  }
}
