import { Controller, Get, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { ApiProblems } from '../../../http/api-docs';
import { Country } from '../../country.param';
import { ApiCountry, ApiPartnerAnswer } from '../../partner.openapi';
import { GetPartnerQuery } from './get-partner.query';

@ApiTags('partners')
@Controller('v1/partners')
export class GetPartnerController {
  constructor(private readonly queryBus: QueryBus) {}

  /** The partner's current risk level and validity (of its latest assessment) and every assessment. */
  @Get(':country')
  @Roles('partner', 'officer', 'auditor', 'admin')
  @ApiOperation({ summary: 'A partner country’s due diligence: its risk level and assessments (a partner: its own only)' })
  @ApiCountry()
  @ApiPartnerAnswer(200, 'the partner (riskLevel null before any assessment)')
  @ApiProblems([400, 'not an ISO 3166-1 alpha-2 code'], [404, 'a partner asking for another country'])
  async get(@Country() country: string, @CurrentActor() actor: Actor, @Res() reply: FastifyReply): Promise<void> {
    const partner = await this.queryBus.execute(new GetPartnerQuery(country, actor));
    if (partner === undefined) throw new ProblemException(problem(404, 'partner.not_found', `partner ${country} does not exist or is not visible to you`));
    await reply.header('etag', `"${partner.version}"`).send(partner);
  }
}
