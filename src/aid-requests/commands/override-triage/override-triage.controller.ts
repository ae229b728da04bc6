import { Body, Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { OverrideTriageCommand } from './override-triage.command';
import { OverrideTriageDto } from './override-triage.dto';

@Controller('v1/aid-requests')
export class OverrideTriageController {
  constructor(private readonly actions: AidRequestActions) {}

  /** An officer overrides the automatic triage, with a reason; the SLA deadlines are derived anew. */
  @Post(':id/triage')
  @Roles('officer')
  override(@ActionRequestInput() input: ActionRequest,
    @Body() dto: OverrideTriageDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, 'triage', (action) => new OverrideTriageCommand(action, dto));
  }
}
