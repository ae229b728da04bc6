import { Controller, Get, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { FiscalYear } from '../../fiscal-year.param';
import { GetFundQuery } from './get-fund.query';
import { ApiFiscalYear, ApiFundAnswer } from '../../fund.openapi';
import { ApiProblems } from '../../../http/api-docs';

@ApiTags('funds')
@Controller('v1/funds')
export class GetFundController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Each window's allocated, committed, disbursed and available cents. */
  @Get(':fiscalYear')
  @Roles('officer', 'auditor', 'admin')
  @ApiOperation({ summary: 'Each window’s allocated, committed, disbursed and available cents' })
  @ApiFiscalYear()
  @ApiFundAnswer(200, 'the fund (zeros for a year without allocations)')
  @ApiProblems([400, 'not a four-digit year'])
  async get(@FiscalYear() fiscalYear: number, @Res() reply: FastifyReply): Promise<void> {
    const fund = await this.queryBus.execute(new GetFundQuery(fiscalYear));
    await reply.header('etag', `"${fund.version}"`).send(fund);
  }
}
