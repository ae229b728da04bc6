import { Command } from '@nestjs/cqrs';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AidRequestActionContext } from '../aid-request-action-context';
import type { OverrideTriageDto } from './override-triage.dto';

export class OverrideTriageCommand extends Command<AidRequestView> {
  constructor(
    readonly action: AidRequestActionContext,
    readonly override: OverrideTriageDto,
  ) {
    super();
  }
}
