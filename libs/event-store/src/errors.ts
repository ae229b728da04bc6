import type { ExpectedVersion } from './event-store.types';

/** The stream was not at the version the caller expected: someone else appended first. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: ExpectedVersion,
    /** 0 when the stream does not exist. */
    readonly actualVersion: number,
  ) {
    super(`stream ${streamId}: expected version ${String(expectedVersion)}, actual ${actualVersion}`);
  }
}

/** An event id is already stored, but not as part of this exact append. */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly eventIds: readonly string[]) {
    super(`event id(s) already stored elsewhere: ${eventIds.join(', ')}`);
  }
}

/** The caller asked the command helper to retry and every attempt lost the race. */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  constructor(
    readonly streamId: string,
    readonly attempts: number,
    override readonly cause: ConcurrencyError,
  ) {
    super(`stream ${streamId}: gave up after ${attempts} concurrent-append conflicts`);
  }
}

/** The caller acted on a version of the stream (If-Match) that is no longer current. */
export class StaleVersionError extends Error {
  override readonly name = 'StaleVersionError';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`stream ${streamId} is at version ${actualVersion}, not ${expectedVersion}`);
  }
}
