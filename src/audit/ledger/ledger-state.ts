import type { MerkleAccumulator } from '@app/event-store';

/**
 * The sealer's view of the ledger's end: what the next batch appends to. Never changed in place:
 * planning copies the tree, and a plan gives the state after it.
 */
export interface LedgerState {
  readonly tree: MerkleAccumulator;
  /** chain_hash of the last leaf, null before the first. */
  readonly chainHead: Buffer | null;
  /** tree_size of the latest checkpoint (0 when none). */
  readonly checkpointedSize: number;
  /** Milliseconds of the latest checkpoint (or of loading, when none), for CHECKPOINT_INTERVAL_MS. */
  readonly checkpointedAt: number;
}

/** The ledger's end as stored: its size and the chain hash of its last row (null when empty). */
export interface LedgerEnd {
  readonly size: number;
  readonly chainHead: Buffer | null;
}

/** Whether `state` ends where the stored ledger does (then it need not be loaded again). */
export function endsAt(state: LedgerState, end: LedgerEnd): boolean {
  return state.tree.size === end.size && (end.chainHead === null || state.chainHead?.equals(end.chainHead) === true);
}
