import { hashChain, MerkleAccumulator } from '@app/event-store';
import type { LeafBatch } from './leaf-batch';
import type { LedgerState } from './ledger-state';

/** When the sealer checkpoints. */
export interface CheckpointPolicy {
  /** CHECKPOINT_MAX_EVENTS: never more new leaves than this between two checkpoints. */
  readonly maxEvents: number;
  /** CHECKPOINT_INTERVAL_MS: new leaves are checkpointed at the latest this long after the last checkpoint. */
  readonly intervalMs: number;
}

/** A checkpoint to sign: the tree at one size. */
export interface CheckpointDraft {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  /** chain_hash of the last leaf (zeros for the empty tree). */
  readonly chainHead: Buffer;
  /** The tree size of the checkpoint before it, which its note names. */
  readonly previousTreeSize: number;
}

/** The audit_ledger rows a batch adds, as columns (seq order). */
export interface LedgerRows {
  readonly seqs: number[];
  readonly positions: number[];
  readonly leafHashes: Buffer[];
  readonly chainHashes: Buffer[];
}

/** The merkle_nodes rows a batch completes, as columns: levels ≥ 1 (a leaf's node is its ledger row). */
export interface MerkleNodeRows {
  readonly levels: number[];
  readonly indexes: number[];
  readonly hashes: Buffer[];
}

/** The checkpoints to sign and store, and the ledger's end once they are. */
export interface CheckpointPlan {
  /** Ascending tree sizes; each names the one before it, the first the latest stored. */
  readonly checkpoints: readonly CheckpointDraft[];
  readonly next: LedgerState;
}

/** What sealing a batch writes, and the ledger's end once it is written. */
export interface LedgerPlan extends CheckpointPlan {
  readonly ledgerRows: LedgerRows;
  readonly merkleNodes: MerkleNodeRows;
}

/** What a batch is planned from, besides the ledger state. */
export interface BatchContext {
  /** Positions already in the ledger (delivered again after a crash): skipped. */
  readonly alreadySealed: ReadonlySet<number>;
  /** Milliseconds, for CHECKPOINT_INTERVAL_MS (the only time the plan depends on). */
  readonly now: number;
}

/**
 * Plans the sealer's writes, purely: no I/O and no clock (the time comes in). A batch gives each
 * new event the next seq, its leaf, the running chain hash and the Merkle nodes it completes, and
 * a checkpoint every CHECKPOINT_MAX_EVENTS leaves, wherever the batch happens to end, plus one for
 * the rest once CHECKPOINT_INTERVAL_MS has passed.
 */
export class LedgerPlanner {
  constructor(private readonly policy: CheckpointPolicy) {}

  /**
   * Sealing `batch` onto `state` (which is not changed). Its first checkpoint names
   * `state.checkpointedSize`: the state must be the ledger's as stored, checkpoints included
   * (audit_seal_batch checks that; the careful path loads it under the ledger lock).
   */
  planBatch(state: LedgerState, { events, leaves }: LeafBatch, { alreadySealed, now }: BatchContext): LedgerPlan {
    const ledgerRows: LedgerRows = { seqs: [], positions: [], leafHashes: [], chainHashes: [] };
    const merkleNodes: MerkleNodeRows = { levels: [], indexes: [], hashes: [] };
    const tree = new MerkleAccumulator(state.tree.size, state.tree.frontier);
    let chainHead = state.chainHead;
    const drafts: Snapshot[] = [];
    let checkpointedSize = state.checkpointedSize;
    for (const [i, event] of events.entries()) {
      if (alreadySealed.has(event.position)) continue;
      const leaf = leaves[i]!;
      chainHead = hashChain(chainHead, leaf);
      ledgerRows.seqs.push(tree.size);
      ledgerRows.positions.push(event.position);
      ledgerRows.leafHashes.push(leaf);
      ledgerRows.chainHashes.push(chainHead);
      for (const node of tree.append(leaf)) {
        if (node.level === 0) continue;
        merkleNodes.levels.push(node.level);
        merkleNodes.indexes.push(node.index);
        merkleNodes.hashes.push(node.hash);
      }
      if (tree.size - checkpointedSize >= this.policy.maxEvents) {
        drafts.push(snapshot(tree, chainHead));
        checkpointedSize = tree.size;
      }
    }
    const checkpointedAt = drafts.length > 0 ? now : state.checkpointedAt;
    if (this.isCheckpointDue({ tree, chainHead, checkpointedSize, checkpointedAt }, now)) drafts.push(snapshot(tree, chainHead));
    const checkpoints = chain(drafts, state.checkpointedSize);
    const last = checkpoints.at(-1);
    const next: LedgerState = {
      tree,
      chainHead,
      checkpointedSize: last?.treeSize ?? state.checkpointedSize,
      checkpointedAt: last === undefined ? state.checkpointedAt : now,
    };
    return { ledgerRows, merkleNodes, checkpoints, next };
  }

  /** Whether the ledger has new leaves and CHECKPOINT_MAX_EVENTS of them, or CHECKPOINT_INTERVAL_MS since the last checkpoint. */
  isCheckpointDue(state: LedgerState, now: number): boolean {
    const fresh = state.tree.size - state.checkpointedSize;
    if (fresh <= 0) return false;
    return fresh >= this.policy.maxEvents || now - state.checkpointedAt >= this.policy.intervalMs;
  }

  /**
   * The checkpoint between batches (when isCheckpointDue): the tree as it is, naming the latest
   * stored checkpoint, which may be newer than `state` knows (another sealer's at the same ledger
   * end), and left out when that one covers the tree. Either way the tree counts as checkpointed
   * from `now`.
   */
  planCheckpoint(state: LedgerState, storedCheckpointSize: number, now: number): CheckpointPlan {
    return {
      checkpoints: chain([snapshot(state.tree, state.chainHead)], storedCheckpointSize),
      next: { ...state, checkpointedSize: state.tree.size, checkpointedAt: now },
    };
  }
}

type Snapshot = Omit<CheckpointDraft, 'previousTreeSize'>;

function snapshot(tree: MerkleAccumulator, chainHead: Buffer | null): Snapshot {
  return { treeSize: tree.size, rootHash: tree.root(), chainHead: chainHead ?? Buffer.alloc(32) };
}

/**
 * The snapshots (ascending sizes) as checkpoints, each naming the one before it and the first
 * naming `latestTreeSize`; one that it already covers is left out.
 */
function chain(snapshots: readonly Snapshot[], latestTreeSize: number): CheckpointDraft[] {
  const checkpoints: CheckpointDraft[] = [];
  let previousTreeSize = latestTreeSize;
  for (const s of snapshots) {
    if (previousTreeSize >= s.treeSize) continue;
    checkpoints.push({ ...s, previousTreeSize });
    previousTreeSize = s.treeSize;
  }
  return checkpoints;
}
