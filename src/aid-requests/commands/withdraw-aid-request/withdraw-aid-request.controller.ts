import { Body, Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { WithdrawAidRequestCommand } from './withdraw-aid-request.command';
import { WithdrawAidRequestDto } from './withdraw-aid-request.dto';

@Controller('v1/aid-requests')
export class WithdrawAidRequestController {
  constructor(private readonly actions: AidRequestActions) {}

  /** The partner withdraws its request before a final decision, releasing any reserved money. */
  @Post(':id/withdraw')
  @Roles('partner')
  withdrawAidRequest(@ActionRequestInput() input: ActionRequest,
    @Body() dto: WithdrawAidRequestDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, 'withdraw', (action) => new WithdrawAidRequestCommand(action, dto));
  }
}
