/** What a replay answers: the first response's status and body. Headers are derived from the body. */
export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A POST that carried an `Idempotency-Key`: the command records its response under this claim. */
export interface IdempotencyClaim {
  readonly actor: string;
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  /** The status the route answers on success (201 for creations, 200 for actions). */
  readonly successStatus: number;
}

/** Another request with the same key is being processed right now. */
export class IdempotencyInProgressError extends Error {
  override readonly name = 'IdempotencyInProgressError';
}

/** Another request with the same key was recorded first (now or earlier): the caller replays its response. */
export class IdempotencyRaceLostError extends Error {
  override readonly name = 'IdempotencyRaceLostError';
}
