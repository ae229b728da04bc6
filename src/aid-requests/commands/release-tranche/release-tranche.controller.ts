import { Controller, Param, Post, Res, type PipeTransform } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../aid-request-actions';
import { ReleaseTrancheCommand } from './release-tranche.command';

/**
 * `:n`, the tranche number: a positive integer, or 400. The global pipe has already made a number
 * of a numeric string (`01` is 1), so `n` arrives as a number or as a string that is not one.
 */
class TrancheNumberPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    if (!/^[1-9]\d{0,8}$/.test(String(value))) {
      throw new ProblemException(
        problem(400, 'tranche.invalid', 'the tranche number must be a positive integer', { errors: [{ field: 'n', message: 'must be a positive integer' }] }),
      );
    }
    return Number(value);
  }
}

@Controller('v1/aid-requests')
export class ReleaseTrancheController {
  constructor(private readonly actions: AidRequestActions) {}

  /** Queues the disbursement of a pending tranche; the disbursements worker pays it and records it on the fund. */
  @Post(':id/tranches/:n/release')
  @Roles('officer')
  releaseTranche(
    @ActionRequestInput() input: ActionRequest,
    @Param('n', new TrancheNumberPipe()) tranche: number,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.actions.perform(input, reply, `tranches/${tranche}/release`, (action) => new ReleaseTrancheCommand(action, tranche));
  }
}
