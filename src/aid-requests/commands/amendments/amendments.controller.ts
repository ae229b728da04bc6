import { Body, Controller, Inject, Param, Post, Res, type PipeTransform } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CommandBus } from '@nestjs/cqrs';
import { Roles } from '../../../auth/roles.decorator';
import { ExecuteCommand } from '../../../commands/execute-command.command';
import { Clock } from '../../../common/clock';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { IdGenerator } from '../../../common/ids';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { ApiIfMatch, ApiJsonBody, ApiProblems, REPLAYED_HEADER } from '../../../http/api-docs';
import { aidRequests } from '../../aid-request.aggregate';
import { AMENDMENT_SCHEMA, ApiAidRequestAction, ApiAidRequestId, REQUEST_NOT_FOUND } from '../../aid-request.openapi';
import type { AmendmentTerms } from '../../domain/amendment.state';
import type { AidRequestView } from '../../projections/aid-request-view';
import type { AmendmentView } from '../../projections/amendment-view';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from '../actions/aid-request-actions';
import { ApproveAmendmentDto, RejectAmendmentDto } from './decide-amendment.dto';
import { foreignFieldProblems, ProposeAmendmentDto } from './propose-amendment.dto';
import { invalidInput } from '../../../http/validation';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `:amendmentId`: a UUID, or 404 as for an amendment the grant does not have. */
class AmendmentIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    const id = String(value);
    if (!UUID.test(id)) throw new ProblemException(problem(404, 'amendment.not_found', `the grant has no amendment ${id.slice(0, 64)}`));
    return id.toLowerCase();
  }
}

const amendmentParam = () => ApiParam({ name: 'amendmentId', description: 'the amendment (as the request view lists it)', schema: { type: 'string', format: 'uuid' } });

/**
 * Amendments to an approved grant: the partner proposes one (`POST …/amendments`, 201 with the
 * amendment), an officer approves or rejects it (200 with the request view). A cost increase's
 * approval commits the money from the grant's window like an approval does.
 */
@ApiTags('aid-requests')
@Controller('v1/aid-requests')
export class AmendmentsController {
  constructor(
    private readonly actions: AidRequestActions,
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post(':id/amendments')
  @Roles('partner')
  @ApiOperation({ summary: 'Propose an amendment to an approved grant (the partner of its country)' })
  @ApiAidRequestId()
  @ApiIfMatch()
  @ApiJsonBody(ProposeAmendmentDto)
  @ApiResponse({ status: 201, description: 'the amendment, proposed', content: { 'application/json': { schema: AMENDMENT_SCHEMA } }, headers: { ...REPLAYED_HEADER } })
  @ApiProblems(400, REQUEST_NOT_FOUND, [409, 'the grant is not approved, already has an open amendment, or (a budget revision) has a tranche released and not yet paid'])
  async propose(@ActionRequestInput() input: ActionRequest, @Body() dto: ProposeAmendmentDto, @Res() reply: FastifyReply): Promise<void> {
    const { requestId, actor, meta, ifMatch, request } = input;
    const foreign = foreignFieldProblems(dto);
    if (foreign.length > 0) throw invalidInput(foreign);
    const terms = termsOf(dto);
    const result = await this.idempotent.run(request, actor, `POST /v1/aid-requests/${requestId}/amendments`, 201, async (idempotency) => {
      const amendmentId = this.ids.newId();
      const command = { type: 'ProposeAmendment', data: { amendmentId, terms, reason: dto.reason }, context: { actor, now: this.clock.now() } } as const;
      const answer = (view: unknown) => amendmentIn(view as AidRequestView, amendmentId);
      const { view } = await this.commandBus.execute(ExecuteCommand.on(aidRequests, requestId, command, { trace: meta, idempotency, ifMatch, answer }));
      return answer(view);
    });
    void reply.status(result.status);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    await reply.send(result.body);
  }

  @Post(':id/amendments/:amendmentId/approve')
  @Roles('officer')
  @ApiAidRequestAction('Approve an amendment, or give the first or second of two approvals of a cost increase (officer)', ApproveAmendmentDto)
  @amendmentParam()
  approve(
    @ActionRequestInput() input: ActionRequest,
    @Param('amendmentId', new AmendmentIdPipe()) amendmentId: string,
    @Body() dto: ApproveAmendmentDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const data = { amendmentId, reason: dto.reason ?? null };
    const policy = { fourEyesThreshold: this.config.fourEyesThreshold, highRiskMaxTranchePercent: this.config.highRiskMaxTranchePercent };
    return this.actions.perform(input, reply, `amendments/${amendmentId}/approve`, (context) => ({ type: 'ApproveAmendment', data, policy, context }));
  }

  @Post(':id/amendments/:amendmentId/reject')
  @Roles('officer')
  @ApiAidRequestAction('Reject an amendment, giving back a reserved cost increase (officer)', RejectAmendmentDto)
  @amendmentParam()
  reject(
    @ActionRequestInput() input: ActionRequest,
    @Param('amendmentId', new AmendmentIdPipe()) amendmentId: string,
    @Body() dto: RejectAmendmentDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const data = { amendmentId, reason: dto.reason };
    return this.actions.perform(input, reply, `amendments/${amendmentId}/reject`, (context) => ({ type: 'RejectAmendment', data, context }));
  }
}

/** The amendment just proposed, as the view lists it. */
function amendmentIn(view: AidRequestView, amendmentId: string): AmendmentView {
  const amendment = view.amendments.find((a) => a.id === amendmentId);
  if (amendment === undefined) throw new Error(`amendment ${amendmentId} missing from the view after its proposal`);
  return amendment;
}

/** The validated body as domain terms (the DTO has checked that `type`'s own field is there). */
function termsOf(dto: ProposeAmendmentDto): AmendmentTerms {
  switch (dto.type) {
    case 'no_cost_extension':
      return { type: dto.type, months: dto.months ?? 0 };
    case 'budget_revision':
      return { type: dto.type, tranches: (dto.tranches ?? []).map((t) => BigInt(t.amount)) };
    case 'cost_increase':
      return { type: dto.type, amount: BigInt(dto.amount ?? 0) };
    case 'scope_change':
      return { type: dto.type, description: dto.description ?? '' };
    default: {
      const unknownType: never = dto.type;
      return unknownType;
    }
  }
}
