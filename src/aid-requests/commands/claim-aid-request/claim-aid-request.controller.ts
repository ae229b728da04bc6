import { Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { ClaimAidRequestCommand } from './claim-aid-request.command';

@Controller('v1/aid-requests')
export class ClaimAidRequestController {
  constructor(private readonly actions: AidRequestActions) {}

  /** An officer takes a triaged request for review; this acknowledges it (the acknowledge SLA). */
  @Post(':id/claim')
  @Roles('officer')
  claim(@ActionRequestInput() input: ActionRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, 'claim', (action) => new ClaimAidRequestCommand(action));
  }
}
