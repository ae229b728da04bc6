import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { ExecuteCommand } from '../../../commands/execute-command.command';
import { Clock } from '../../../common/clock';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { CurrentRequestMeta, type RequestMeta } from '../../../common/request-meta';
import type { AllocateFunds } from '../../domain/fund.commands';
import { FiscalYear } from '../../fiscal-year.param';
import { funds } from '../../fund.aggregate';
import type { FundView } from '../../projections/fund-view';
import { AllocateFundsDto } from './allocate-funds.dto';
import { ApiFiscalYear, ApiFundAnswer } from '../../fund.openapi';
import { ApiJsonBody, ApiProblems } from '../../../http/api-docs';

@ApiTags('funds')
@Controller('v1/funds')
export class AllocateFundsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
    private readonly clock: Clock,
  ) {}

  /** A fund manager adds budget to a funding window of a fiscal year; allocations add up. */
  @Post(':fiscalYear/allocations')
  @Roles('admin')
  @ApiOperation({ summary: 'Add budget to a funding window of a fiscal year (admin)' })
  @ApiFiscalYear()
  @ApiJsonBody(AllocateFundsDto)
  @ApiFundAnswer(201, 'the fund after the allocation')
  @ApiProblems(400)
  async allocate(
    @FiscalYear() fiscalYear: number,
    @Body() dto: AllocateFundsDto,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.idempotent.run(request, actor, `POST /v1/funds/${fiscalYear}/allocations`, 201, async (idempotency) => {
      const command: AllocateFunds = {
        type: 'AllocateFunds',
        data: { fiscalYear, window: dto.window, amount: BigInt(dto.amount), note: dto.note },
        context: { actor, now: this.clock.now() },
      };
      return (await this.commandBus.execute(ExecuteCommand.on(funds, String(fiscalYear), command, { trace: meta, idempotency }))).view;
    });
    const fund = result.body as FundView;
    void reply.status(result.status).header('etag', `"${fund.version}"`).header('location', `/v1/funds/${fiscalYear}`);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    await reply.send(fund);
  }
}
