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
import { ApiJsonBody, ApiProblems } from '../../../http/api-docs';
import { Country, partnerLocation } from '../../country.param';
import type { AssessPartner } from '../../domain/partner.commands';
import { partners } from '../../partner.aggregate';
import { ApiCountry, ApiPartnerAnswer } from '../../partner.openapi';
import type { PartnerView } from '../../projections/partner-view';
import { AssessPartnerDto, validUntilInstant } from './assess-partner.dto';

@ApiTags('partners')
@Controller('v1/partners')
export class AssessPartnerController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
    private readonly clock: Clock,
  ) {}

  /** An officer records a partner country's due-diligence assessment: its risk level and how long it is valid. */
  @Post(':country/assessments')
  @Roles('officer')
  @ApiOperation({ summary: 'Record a partner country’s due-diligence assessment (officer)' })
  @ApiCountry()
  @ApiJsonBody(AssessPartnerDto)
  @ApiPartnerAnswer(201, 'the partner after the assessment')
  @ApiProblems([400, 'a field is invalid (validUntil not in the future, say), or the country is not an ISO 3166-1 alpha-2 code'])
  async assess(
    @Country() country: string,
    @Body() dto: AssessPartnerDto,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.idempotent.run(request, actor, `POST /v1/partners/${country}/assessments`, 201, async (idempotency) => {
      const command: AssessPartner = {
        type: 'AssessPartner',
        data: { country, riskLevel: dto.riskLevel, validUntil: validUntilInstant(dto.validUntil), summary: dto.summary },
        context: { actor, now: this.clock.now() },
      };
      return (await this.commandBus.execute(ExecuteCommand.on(partners, country, command, { trace: meta, idempotency }))).view;
    });
    const partner = result.body as PartnerView;
    void reply.status(result.status).header('etag', `"${partner.version}"`).header('location', partnerLocation(country));
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    await reply.send(partner);
  }
}
