import { Command } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestActionContext } from '../aid-request-action-context';
import type { ProvideInformationDto } from './provide-information.dto';

export class ProvideInformationCommand extends Command<AidRequestView> {
  constructor(
    readonly action: AidRequestActionContext,
    readonly dto: ProvideInformationDto,
  ) {
    super();
  }
}
