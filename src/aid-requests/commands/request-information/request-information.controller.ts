import { Body, Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { RequestInformationCommand } from './request-information.command';
import { RequestInformationDto } from './request-information.dto';

@Controller('v1/aid-requests')
export class RequestInformationController {
  constructor(private readonly actions: AidRequestActions) {}

  /** The assigned officer asks the partner for information; the decide clock pauses until the answer. */
  @Post(':id/information-requests')
  @Roles('officer')
  requestInformation(@ActionRequestInput() input: ActionRequest,
    @Body() dto: RequestInformationDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, 'information-requests', (action) => new RequestInformationCommand(action, dto));
  }
}
