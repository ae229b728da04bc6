import { Controller, Get, Header } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { aidRequestStreamId } from '../../aid-requests/domain/aid-request.events';
import { AidRequestViewStore } from '../../aid-requests/projections/aid-request-view.store';
import { AidRequestId, notFound } from '../../aid-requests/queries/aid-request-id.param';
import { canSee } from '../../aid-requests/queries/visibility';
import type { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Roles } from '../../auth/roles.decorator';
import { FilingReceipts } from './filing-receipts';

@ApiTags('audit')
@Controller('v1/aid-requests')
export class ReceiptsController {
  constructor(
    private readonly views: AidRequestViewStore,
    private readonly receipts: FilingReceipts,
  ) {}

  /**
   * The filing receipt: the same signed note as the filing's `Receipt` header, as text. Its body is
   * `cdt-fund/receipt`, the request id, the position of AidRequestFiled, its audit leaf hash and
   * its recordedAt; signed by the audit key (GET /v1/audit/public-key).
   */
  @Get(':id/receipt')
  @Roles('partner', 'officer', 'auditor')
  @Header('content-type', 'text/plain; charset=utf-8')
  @ApiParam({ name: 'id', format: 'uuid', description: 'the aid request' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'the C2SP signed note', schema: { type: 'string' } })
  @ApiResponse({ status: 404, description: 'no such request, or another country’s' })
  async receipt(@AidRequestId() id: string, @CurrentActor() actor: Actor): Promise<string> {
    const view = await this.views.findById(id);
    if (view === undefined || !canSee(actor, view.country)) throw notFound(id);
    const note = await this.receipts.forRequest(id, aidRequestStreamId(id));
    if (note === undefined) throw notFound(id);
    return note;
  }
}
