import { Controller, Param, ParseIntPipe, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { ReleaseTrancheCommand } from './release-tranche.command';

/** `:n`, the tranche number: an integer, or 400. */
function trancheNumber(): ParseIntPipe {
  return new ParseIntPipe({
    exceptionFactory: () =>
      new ProblemException(
        problem(400, 'tranche.invalid', 'the tranche number must be a positive integer', { errors: [{ field: 'n', message: 'must be a positive integer' }] }),
      ),
  });
}

@Controller('v1/aid-requests')
export class ReleaseTrancheController {
  constructor(private readonly actions: AidRequestActions) {}

  /** Queues the disbursement of a pending tranche; the disbursements worker pays it and records it on the fund. */
  @Post(':id/tranches/:n/release')
  @Roles('officer')
  releaseTranche(
    @ActionRequestInput() input: ActionRequest,
    @Param('n', trancheNumber()) tranche: number,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, `tranches/${tranche}/release`, (action) => new ReleaseTrancheCommand(action, tranche));
  }
}
