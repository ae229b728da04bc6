import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RecordedEvent } from '@app/event-store';
import { FilingReceipts, receiptHeader } from '../../../audit/receipts/filing-receipts';
import type { Actor } from '../../../auth/actor';
import { CurrentActor } from '../../../auth/current-actor.decorator';
import { Roles } from '../../../auth/roles.decorator';
import { ExecuteCommand } from '../../../commands/execute-command.command';
import { Clock } from '../../../common/clock';
import { IdGenerator } from '../../../common/ids';
import { IdempotentExecution } from '../../../common/idempotency/idempotent-execution';
import { CurrentRequestMeta, type RequestMeta } from '../../../common/request-meta';
import { aidRequests } from '../../aid-request.aggregate';
import { sendAidRequest } from '../../aid-request.http';
import { ApiAidRequestAnswer } from '../../aid-request.openapi';
import { ApiJsonBody, ApiProblems } from '../../../http/api-docs';
import type { FileAidRequest } from '../../domain/aid-request.commands';
import { aidRequestStreamId, type EncryptedContact } from '../../domain/aid-request.events';
import type { AidRequestView } from '../../projections/aid-request-view';
import { PersonalDataKeys } from '../../../personal-data/personal-data-keys.store';
import { PersonalDataReader } from '../../../personal-data/personal-data-reader';
import { encryptContact, PersonalDataVault } from '../../../personal-data/personal-data-vault';
import { FileAidRequestDto } from './file-aid-request.dto';

@ApiTags('aid-requests')
@Controller('v1/aid-requests')
export class FileAidRequestController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotent: IdempotentExecution,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly receipts: FilingReceipts,
    private readonly vault: PersonalDataVault,
    private readonly personalData: PersonalDataReader,
  ) {}

  /** A partner files an aid request for its own country; the answer carries the signed filing receipt (`Receipt`). */
  @Post()
  @Roles('partner')
  @ApiOperation({ summary: 'File an aid request for the partner’s own country' })
  @ApiJsonBody(FileAidRequestDto)
  @ApiAidRequestAnswer(201, 'the request view of the filed request', {
    Receipt: { description: 'the signed filing receipt: base64 of a C2SP signed note (GET /v1/aid-requests/{id}/receipt)', schema: { type: 'string' } },
  })
  @ApiProblems(400)
  async file(
    @Body() dto: FileAidRequestDto,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    let filed: RecordedEvent | undefined;
    const result = await this.idempotent.run(
      request,
      actor,
      'POST /v1/aid-requests',
      201,
      async (idempotency) => {
        const requestId = this.ids.newId();
        // The contact is encrypted here, under a data key of the request's own, and never goes
        // further in plaintext; the sealed data key is stored with the filing, in its transaction.
        // (`contact: null` is as good as none: optional fields accept null.)
        const given = dto.contact ?? undefined;
        const dataKey = given === undefined ? undefined : await this.vault.newDataKey(requestId);
        const contact = given === undefined || dataKey === undefined ? undefined : encryptContact(dataKey.key, requestId, given);
        const command: FileAidRequest = { type: 'FileAidRequest', data: toFiling(dto, requestId, contact), context: { actor, now: this.clock.now() } };
        const effects = dataKey === undefined ? undefined : { after: [PersonalDataKeys.insertEffect(requestId, dataKey.sealed)] };
        const execute = ExecuteCommand.on(aidRequests, requestId, command, { trace: meta, idempotency, expectNew: true, effects });
        const outcome = await this.commandBus.execute(execute);
        filed = outcome.events.find((event) => event.type === 'AidRequestFiled');
        return outcome.view;
      },
      { optimistic: true },
    );
    const id = (result.body as AidRequestView).id;
    // A replayed filing gets its receipt again, signed anew over the stored event.
    const receipt = filed === undefined ? await this.receipts.forRequest(id, aidRequestStreamId(id)) : this.receipts.sign(id, filed);
    if (receipt !== undefined) void reply.header('receipt', receiptHeader(receipt));
    await sendAidRequest(reply, result, this.personalData);
  }
}

function toFiling(dto: FileAidRequestDto, requestId: string, contact: EncryptedContact | undefined): FileAidRequest['data'] {
  return {
    requestId,
    kind: dto.kind,
    title: dto.title,
    description: dto.description,
    actionArea: dto.actionArea,
    amountRequested: BigInt(dto.amountRequested),
    ...(dto.incident && {
      incident: {
        severity: dto.incident.severity,
        ongoing: dto.incident.ongoing,
        detectedAt: new Date(dto.incident.detectedAt),
        sectors: dto.incident.sectors,
      },
    }),
    ...(dto.capacity && {
      capacity: {
        durationMonths: dto.capacity.durationMonths,
        sectors: dto.capacity.sectors ?? [],
        milestones: dto.capacity.milestones.map((m) => ({ title: m.title, amount: BigInt(m.amount) })),
      },
    }),
    ...(contact && { contact }),
    ...(dto.tlp !== undefined && { tlp: dto.tlp }),
  };
}
