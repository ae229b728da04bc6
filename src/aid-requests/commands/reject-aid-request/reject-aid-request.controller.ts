import { Body, Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { RejectAidRequestCommand } from './reject-aid-request.command';
import { RejectAidRequestDto } from './reject-aid-request.dto';

@Controller('v1/aid-requests')
export class RejectAidRequestController {
  constructor(private readonly actions: AidRequestActions) {}

  /** Rejects the request, releasing any money a first approval reserved. */
  @Post(':id/reject')
  @Roles('officer')
  rejectAidRequest(@ActionRequestInput() input: ActionRequest,
    @Body() dto: RejectAidRequestDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, 'reject', (action) => new RejectAidRequestCommand(action, dto));
  }
}
