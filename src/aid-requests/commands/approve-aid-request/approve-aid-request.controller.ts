import { Body, Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { ApproveAidRequestCommand } from './approve-aid-request.command';
import { ApproveAidRequestDto } from './approve-aid-request.dto';

@Controller('v1/aid-requests')
export class ApproveAidRequestController {
  constructor(private readonly actions: AidRequestActions) {}

  /** Approves (or gives the first or second of two approvals), committing the money from the fund window. */
  @Post(':id/approve')
  @Roles('officer')
  approveAidRequest(@ActionRequestInput() input: ActionRequest,
    @Body() dto: ApproveAidRequestDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, 'approve', (action) => new ApproveAidRequestCommand(action, dto));
  }
}
