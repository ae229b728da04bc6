import { Body, Controller, Inject, Param, Post, Res, type PipeTransform } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../auth/roles.decorator';
import { problem } from '../../../common/problem-details';
import { ProblemException } from '../../../common/problem-details.filter';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { ApiAidRequestAction } from '../../aid-request.openapi';
import { approvalPolicy, triageConfig } from '../../aid-request.policies';
import { ActionRequestInput, AidRequestActions, type ActionRequest } from './aid-request-actions';
import { ApproveAidRequestDto } from './approve-aid-request.dto';
import { OverrideTriageDto } from './override-triage.dto';
import { ProvideInformationDto } from './provide-information.dto';
import { RejectAidRequestDto } from './reject-aid-request.dto';
import { ReportProgressDto } from './report-progress.dto';
import { RequestInformationDto } from './request-information.dto';
import { WithdrawAidRequestDto } from './withdraw-aid-request.dto';
import { PartnerReader } from '../../../partners/partner-reader';
import type { PartnerStanding } from '../../../kernel/due-diligence';
import { AidRequestViewStore } from '../../projections/aid-request-view.store';
import { ErasePersonalDataDto } from './erase-personal-data.dto';
import { PersonalDataKeys } from '../../../personal-data/personal-data-keys.store';

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

/**
 * The actions on a filed request (`POST /v1/aid-requests/:id/<action>`), one route each: the body
 * becomes the domain command, and AidRequestActions does the rest alike for all of them.
 */
@ApiTags('aid-requests')
@Controller('v1/aid-requests')
export class AidRequestActionsController {
  constructor(
    private readonly actions: AidRequestActions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly views: AidRequestViewStore,
    private readonly partners: PartnerReader,
  ) {}

  /** An officer takes a triaged request for review; this acknowledges it (the acknowledge SLA). */
  @Post(':id/claim')
  @Roles('officer')
  @ApiAidRequestAction('Claim a triaged request for review (officer)')
  claim(@ActionRequestInput() input: ActionRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.actions.perform(input, reply, 'claim', (context) => ({ type: 'ClaimAidRequest', context }));
  }

  /** An officer overrides the automatic triage, with a reason; the SLA deadlines are derived anew. */
  @Post(':id/triage')
  @Roles('officer')
  @ApiAidRequestAction('Override the automatic triage, with a reason (officer)', OverrideTriageDto)
  overrideTriage(@ActionRequestInput() input: ActionRequest, @Body() dto: OverrideTriageDto, @Res() reply: FastifyReply): Promise<void> {
    const data = { track: dto.track, priority: dto.priority, reason: dto.reason };
    return this.actions.perform(input, reply, 'triage', (context) => ({ type: 'OverrideTriage', data, config: triageConfig(this.config), context }));
  }

  /** The assigned officer asks the partner for information; the decide clock pauses until the answer. */
  @Post(':id/information-requests')
  @Roles('officer')
  @ApiAidRequestAction('Ask the partner for information (the assigned officer)', RequestInformationDto)
  requestInformation(@ActionRequestInput() input: ActionRequest, @Body() dto: RequestInformationDto, @Res() reply: FastifyReply): Promise<void> {
    return this.actions.perform(input, reply, 'information-requests', (context) => ({ type: 'RequestInformation', data: { question: dto.question }, context }));
  }

  /** The partner answers an information request; review resumes and the decide deadline moves by the time waited. */
  @Post(':id/information')
  @Roles('partner')
  @ApiAidRequestAction('Answer an information request (partner)', ProvideInformationDto)
  provideInformation(@ActionRequestInput() input: ActionRequest, @Body() dto: ProvideInformationDto, @Res() reply: FastifyReply): Promise<void> {
    return this.actions.perform(input, reply, 'information', (context) => ({ type: 'ProvideInformation', data: { answer: dto.answer }, context }));
  }

  /** Approves (or gives the first or second of two approvals), committing the money from the fund window. */
  @Post(':id/approve')
  @Roles('officer')
  @ApiAidRequestAction('Approve, or give the first or second of two approvals (officer)', ApproveAidRequestDto)
  async approve(@ActionRequestInput() input: ActionRequest, @Body() dto: ApproveAidRequestDto, @Res() reply: FastifyReply): Promise<void> {
    const data = { amountApproved: BigInt(dto.amountApproved), tranches: dto.tranches?.map((t) => BigInt(t.amount)) };
    const partner = await this.partnerStanding(input.requestId);
    return this.actions.perform(input, reply, 'approve', (context) => ({ type: 'ApproveAidRequest', data, policy: approvalPolicy(this.config), partner, context }));
  }

  /**
   * The due-diligence standing of the request's partner, read just before the approval is decided.
   * An assessment that lands between this read and the append is not seen: the approval is judged
   * as if it had come a moment earlier, which is what it would have been a moment earlier (benign).
   */
  private async partnerStanding(requestId: string): Promise<PartnerStanding> {
    const view = await this.views.findById(requestId);
    return view === undefined ? null : this.partners.standing(view.country);
  }

  /** Rejects the request, releasing any money a first approval reserved. */
  @Post(':id/reject')
  @Roles('officer')
  @ApiAidRequestAction('Reject the request (officer)', RejectAidRequestDto)
  reject(@ActionRequestInput() input: ActionRequest, @Body() dto: RejectAidRequestDto, @Res() reply: FastifyReply): Promise<void> {
    return this.actions.perform(input, reply, 'reject', (context) => ({ type: 'RejectAidRequest', data: { reason: dto.reason }, context }));
  }

  /** The partner withdraws its request before a final decision, releasing any reserved money. */
  @Post(':id/withdraw')
  @Roles('partner')
  @ApiAidRequestAction('Withdraw the request before a final decision (partner)', WithdrawAidRequestDto)
  withdraw(@ActionRequestInput() input: ActionRequest, @Body() dto: WithdrawAidRequestDto, @Res() reply: FastifyReply): Promise<void> {
    return this.actions.perform(input, reply, 'withdraw', (context) => ({ type: 'WithdrawAidRequest', data: { reason: dto.reason ?? null }, context }));
  }

  /** Queues the disbursement of a pending tranche; the disbursements worker pays it and records it on the fund. */
  @Post(':id/tranches/:n/release')
  @Roles('officer')
  @ApiAidRequestAction('Release a pending tranche for disbursement (officer)')
  @ApiParam({ name: 'n', description: 'the tranche number, from 1', schema: { type: 'integer', minimum: 1 } })
  releaseTranche(@ActionRequestInput() input: ActionRequest, @Param('n', new TrancheNumberPipe()) tranche: number, @Res() reply: FastifyReply): Promise<void> {
    return this.actions.perform(input, reply, `tranches/${tranche}/release`, (context) => ({ type: 'ReleaseTranche', data: { tranche }, context }));
  }

  /** The partner reports progress on its grant; a final report after the last disbursement closes it. */
  @Post(':id/reports')
  @Roles('partner')
  @ApiAidRequestAction('Report progress; a final report after the last disbursement closes the grant (partner)', ReportProgressDto)
  reportProgress(@ActionRequestInput() input: ActionRequest, @Body() dto: ReportProgressDto, @Res() reply: FastifyReply): Promise<void> {
    const data = { summary: dto.summary, final: dto.final === true };
    return this.actions.perform(input, reply, 'reports', (context) => ({ type: 'ReportProgress', data, context }));
  }

  /**
   * An admin erases the request's contact details: their data key is deleted in the transaction
   * that records PersonalDataErased, so the ciphertext in the log can no longer be read. Erasing
   * again answers the view and records nothing; a request filed without a contact is a 409.
   */
  @Post(':id/contact/erase')
  @Roles('admin')
  @ApiAidRequestAction('Erase the contact details by destroying their data key (admin); the audit log stays verifiable', ErasePersonalDataDto)
  erasePersonalData(@ActionRequestInput() input: ActionRequest, @Body() dto: ErasePersonalDataDto, @Res() reply: FastifyReply): Promise<void> {
    const erase = { after: [PersonalDataKeys.deleteEffect(input.requestId)] };
    return this.actions.perform(input, reply, 'contact/erase', (context) => ({ type: 'ErasePersonalData', data: { reason: dto.reason }, context }), erase);
  }
}
