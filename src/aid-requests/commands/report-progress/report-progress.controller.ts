import { Body, Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { ReportProgressCommand } from './report-progress.command';
import { ReportProgressDto } from './report-progress.dto';

@Controller('v1/aid-requests')
export class ReportProgressController {
  constructor(private readonly actions: AidRequestActions) {}

  /** The partner reports progress on its grant; a final report after the last disbursement closes it. */
  @Post(':id/reports')
  @Roles('partner')
  reportProgress(@ActionRequestInput() input: ActionRequest,
    @Body() dto: ReportProgressDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, 'reports', (action) => new ReportProgressCommand(action, dto));
  }
}
