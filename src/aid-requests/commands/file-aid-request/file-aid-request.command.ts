import { Command } from '@nestjs/cqrs';
import type { Actor } from '../../../auth/actor';
import type { IdempotencyClaim } from '../../../common/idempotency/idempotency';
import type { RequestMeta } from '../../../common/request-meta';
import type { FileAidRequest } from '../../domain/aid-request.commands';
import type { AidRequestView } from '../../projections/aid-request-view';

export class FileAidRequestCommand extends Command<AidRequestView> {
  constructor(
    readonly request: FileAidRequest['data'],
    readonly actor: Actor,
    readonly meta: RequestMeta,
    readonly idempotency: IdempotencyClaim | undefined,
  ) {
    super();
  }
}
