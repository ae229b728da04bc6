import type { Actor } from '../../auth/actor';
import type { IdempotencyClaim } from '../../common/idempotency/idempotency';
import type { RequestMeta } from '../../common/request-meta';

/** What every action on an existing request carries from the HTTP edge. */
export interface AidRequestActionContext {
  readonly requestId: string;
  readonly actor: Actor;
  readonly meta: RequestMeta;
  readonly idempotency: IdempotencyClaim | undefined;
  readonly ifMatch: number | undefined;
}
