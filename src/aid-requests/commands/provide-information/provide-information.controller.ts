import { Body, Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { ProvideInformationCommand } from './provide-information.command';
import { ProvideInformationDto } from './provide-information.dto';

@Controller('v1/aid-requests')
export class ProvideInformationController {
  constructor(private readonly actions: AidRequestActions) {}

  /** The partner answers an information request; review resumes and the decide deadline moves by the time waited. */
  @Post(':id/information')
  @Roles('partner')
  provideInformation(@ActionRequestInput() input: ActionRequest,
    @Body() dto: ProvideInformationDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, 'information', (action) => new ProvideInformationCommand(action, dto));
  }
}
