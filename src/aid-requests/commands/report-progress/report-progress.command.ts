import { Command } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestActionContext } from '../aid-request-action-context';
import type { ReportProgressDto } from './report-progress.dto';

export class ReportProgressCommand extends Command<AidRequestView> {
  constructor(
    readonly action: AidRequestActionContext,
    readonly dto: ReportProgressDto,
  ) {
    super();
  }
}
