import { auditLeafHash, type RecordedEvent } from '@app/event-store';
import { setImmediate } from 'node:timers/promises';

/** A batch of the log (as stored: the subscription does not upcast) with each event's leaf hash. */
export interface LeafBatch {
  readonly events: readonly RecordedEvent[];
  /** leaves[i] is the leaf hash of events[i]. */
  readonly leaves: readonly Buffer[];
}

/** Events hashed between two yields to the event loop while a batch is prepared. */
const HASH_SLICE = 100;

/**
 * The batch's leaf hashes, computed in slices of HASH_SLICE with the event loop free in between:
 * a batch read ahead is hashed while the one before it is written, whose round trips must not
 * wait for the whole batch's hashing.
 */
export async function leafBatch(events: readonly RecordedEvent[]): Promise<LeafBatch> {
  const leaves: Buffer[] = [];
  for (let start = 0; start < events.length; start += HASH_SLICE) {
    if (start > 0) await setImmediate();
    for (const event of events.slice(start, start + HASH_SLICE)) leaves.push(auditLeafHash(event));
  }
  return { events, leaves };
}
