import { auditLeafHash, hashChain, MerkleAccumulator, rootHash, type RecordedEvent } from '@app/event-store';
import type { LeafBatch } from './leaf-batch';
import { LedgerPlanner, type BatchContext, type CheckpointPolicy, type LedgerPlan } from './ledger-planner';
import type { LedgerState } from './ledger-state';

const T0 = Date.UTC(2026, 10, 28, 10);
const POLICY: CheckpointPolicy = { maxEvents: 5, intervalMs: 60_000 };
const planner = new LedgerPlanner(POLICY);

function event(position: number): RecordedEvent {
  return {
    position,
    transactionId: String(1000 + position),
    eventId: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
    streamId: `s-${position % 3}`,
    streamType: 'test',
    version: position,
    type: 'Ticked',
    schemaVersion: 1,
    data: { n: position },
    metadata: { correlationId: 'c' },
    recordedAt: new Date(T0 + position),
  };
}

/** The events at these log positions, with their leaf hashes (as leafBatch computes them). */
function batchAt(positions: readonly number[]): LeafBatch {
  const events = positions.map(event);
  return { events, leaves: events.map((e) => auditLeafHash(e)) };
}

const positions = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

const EMPTY: LedgerState = { tree: new MerkleAccumulator(), chainHead: null, checkpointedSize: 0, checkpointedAt: T0 };

/** Nothing sealed before: the one-statement path's context. */
function alone(now: number): BatchContext {
  return { alreadySealed: new Set(), now };
}

/** Given `state`, when these batches are sealed one after the other at `now`: each batch's plan. */
function sealInTurn(state: LedgerState, batches: readonly LeafBatch[], now = T0): LedgerPlan[] {
  const plans: LedgerPlan[] = [];
  for (const batch of batches) {
    const plan = planner.planBatch(state, batch, alone(now));
    plans.push(plan);
    state = plan.next;
  }
  return plans;
}

/** Splits the events at positions 1..n into batches of these sizes. */
function batchesOf(sizes: readonly number[]): LeafBatch[] {
  let next = 1;
  return sizes.map((size) => {
    const batch = batchAt(positions(next, size));
    next += size;
    return batch;
  });
}

/** Then: the plans' rows, nodes and checkpoints are what recomputing the whole ledger from its leaves gives. */
function expectConsistentWithRecomputation(plans: readonly LedgerPlan[], leaves: readonly Buffer[]): void {
  const rows = plans.map((p) => p.ledgerRows);
  expect(rows.flatMap((r) => r.seqs)).toEqual(leaves.map((_, i) => i));
  expect(rows.flatMap((r) => r.leafHashes)).toEqual(leaves);
  const chain: Buffer[] = [];
  for (const leaf of leaves) chain.push(hashChain(chain.at(-1) ?? null, leaf));
  expect(rows.flatMap((r) => r.chainHashes)).toEqual(chain);

  // Every node of level ≥ 1 whose leaves are all in, exactly once, each the root of its subtree.
  const nodes = plans.flatMap((p) => p.merkleNodes.levels.map((level, i) => ({ level, index: p.merkleNodes.indexes[i]!, hash: p.merkleNodes.hashes[i]! })));
  const expected: string[] = [];
  for (let level = 1; 2 ** level <= leaves.length; level++) {
    for (let index = 0; (index + 1) * 2 ** level <= leaves.length; index++) expected.push(`${level}/${index}`);
  }
  expect(nodes.map((n) => `${n.level}/${n.index}`).sort()).toEqual(expected.sort());
  for (const { level, index, hash } of nodes) expect(hash).toEqual(rootHash(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level)));

  for (const checkpoint of plans.flatMap((p) => p.checkpoints)) {
    expect(checkpoint.rootHash).toEqual(rootHash(leaves.slice(0, checkpoint.treeSize)));
    expect(checkpoint.chainHead).toEqual(chain[checkpoint.treeSize - 1]);
  }
  const last = plans.at(-1)!.next;
  expect(last.tree.size).toBe(leaves.length);
  expect(last.tree.root()).toEqual(rootHash(leaves));
  expect(last.chainHead).toEqual(chain.at(-1) ?? null);
}

describe('LedgerPlanner', () => {
  describe('sealing a batch', () => {
    it('given an empty ledger, when 7 events are sealed, then they get seq 0..6, their leaves, the chain and the Merkle nodes a recomputation gives', () => {
      const batch = batchAt(positions(1, 7));
      const plan = planner.planBatch(EMPTY, batch, alone(T0));

      expect(plan.ledgerRows.positions).toEqual(positions(1, 7));
      expectConsistentWithRecomputation([plan], [...batch.leaves]);
    });

    it('given a ledger that ends mid-tree, when batches follow, then they continue it as one batch would have (and the state given is left alone)', () => {
      const batches = batchesOf([5, 6, 1, 4]);
      const plans = sealInTurn(EMPTY, batches);

      const leaves = batches.flatMap((b) => b.leaves);
      expectConsistentWithRecomputation(plans, leaves);
      expect(plans[0]!.next.tree.size).toBe(5);
      expect(plans.map((p) => p.next.tree.size)).toEqual([5, 11, 12, 16]);
    });

    it('given events sealed before (delivered again after a crash), when the batch comes again with new ones, then only the new ones are sealed, in consecutive seqs', () => {
      const [first] = sealInTurn(EMPTY, [batchAt(positions(1, 4))]);
      const again = batchAt([3, 4, 5, 6]);
      const plan = planner.planBatch(first!.next, again, { alreadySealed: new Set([3, 4]), now: T0 });

      expect(plan.ledgerRows.seqs).toEqual([4, 5]);
      expect(plan.ledgerRows.positions).toEqual([5, 6]);
      expectConsistentWithRecomputation([first!, plan], batchAt(positions(1, 6)).leaves);
    });

    it('given a batch sealed before in full, when it comes again, then nothing is written', () => {
      const [first] = sealInTurn(EMPTY, [batchAt(positions(1, 3))]);
      const plan = planner.planBatch(first!.next, batchAt(positions(1, 3)), { alreadySealed: new Set(positions(1, 3)), now: T0 });

      expect(plan.ledgerRows.seqs).toEqual([]);
      expect(plan.merkleNodes.levels).toEqual([]);
      expect(plan.checkpoints).toEqual([]);
      expect(plan.next.tree.root()).toEqual(first!.next.tree.root());
    });
  });

  describe('checkpoints every CHECKPOINT_MAX_EVENTS leaves', () => {
    it('when batches of any size come, then a checkpoint falls every 5 leaves wherever the batches end, each naming the one before it', () => {
      const batches = batchesOf([3, 4, 12, 1, 6, 2]);
      const plans = sealInTurn(EMPTY, batches);

      const checkpoints = plans.flatMap((p) => p.checkpoints);
      expect(checkpoints.map((c) => c.treeSize)).toEqual([5, 10, 15, 20, 25]);
      expect(checkpoints.map((c) => c.previousTreeSize)).toEqual([0, 5, 10, 15, 20]);
      // Batches end at 3, 7, 19, 20, 26 and 28 leaves.
      expect(plans.map((p) => p.checkpoints.length)).toEqual([0, 1, 2, 1, 1, 0]);
      expect(plans.at(-1)!.next).toMatchObject({ checkpointedSize: 25, checkpointedAt: T0 });
      expectConsistentWithRecomputation(plans, batches.flatMap((b) => b.leaves));
    });
  });

  describe('checkpoints after CHECKPOINT_INTERVAL_MS', () => {
    const [three] = sealInTurn(EMPTY, [batchAt(positions(1, 3))]);
    const afterThree = three!.next;

    it('given new leaves since the last checkpoint, when a batch ends once the interval has passed, then it checkpoints the whole tree', () => {
      const now = T0 + POLICY.intervalMs;
      const plan = planner.planBatch(afterThree, batchAt([4]), alone(now));

      expect(plan.checkpoints.map((c) => [c.treeSize, c.previousTreeSize])).toEqual([[4, 0]]);
      expect(plan.next).toMatchObject({ checkpointedSize: 4, checkpointedAt: now });
    });

    it('when a batch ends before the interval has passed, then it does not checkpoint, and the interval still counts from the last checkpoint', () => {
      const plan = planner.planBatch(afterThree, batchAt([4]), alone(T0 + POLICY.intervalMs - 1));

      expect(plan.checkpoints).toEqual([]);
      expect(plan.next).toMatchObject({ checkpointedSize: 0, checkpointedAt: T0 });
    });

    it('when a batch checkpoints for CHECKPOINT_MAX_EVENTS, then the interval starts again from it', () => {
      const now = T0 + POLICY.intervalMs;
      const plan = planner.planBatch(afterThree, batchAt(positions(4, 4)), alone(now));

      expect(plan.checkpoints.map((c) => c.treeSize)).toEqual([5]);
      expect(plan.next).toMatchObject({ checkpointedSize: 5, checkpointedAt: now });
    });

    it('between batches: due with new leaves once the interval has passed or 5 are waiting, never without new leaves', () => {
      expect(planner.isCheckpointDue(afterThree, T0 + POLICY.intervalMs - 1)).toBe(false);
      expect(planner.isCheckpointDue(afterThree, T0 + POLICY.intervalMs)).toBe(true);
      expect(planner.isCheckpointDue({ ...afterThree, checkpointedSize: 3 }, T0 + 10 * POLICY.intervalMs)).toBe(false);
      const fiveWaiting = new LedgerPlanner({ ...POLICY, maxEvents: 3 });
      expect(fiveWaiting.isCheckpointDue(afterThree, T0)).toBe(true);
    });

    it('between batches: checkpoints the tree as it is, naming the latest stored, and counts it checkpointed from then', () => {
      const now = T0 + POLICY.intervalMs;
      const plan = planner.planCheckpoint(afterThree, 0, now);

      expect(plan.checkpoints).toEqual([{ treeSize: 3, rootHash: afterThree.tree.root(), chainHead: afterThree.chainHead, previousTreeSize: 0 }]);
      expect(plan.next).toMatchObject({ tree: afterThree.tree, chainHead: afterThree.chainHead, checkpointedSize: 3, checkpointedAt: now });
    });

    it('between batches: given a stored checkpoint that covers the tree already, then there is nothing to sign, and the tree counts checkpointed', () => {
      const plan = planner.planCheckpoint(afterThree, 3, T0 + POLICY.intervalMs);

      expect(plan.checkpoints).toEqual([]);
      expect(plan.next.checkpointedSize).toBe(3);
    });

    it('between batches: given another sealer checkpointed a smaller tree meanwhile, then the checkpoint names that one', () => {
      const plan = planner.planCheckpoint(afterThree, 2, T0 + POLICY.intervalMs);

      expect(plan.checkpoints.map((c) => [c.treeSize, c.previousTreeSize])).toEqual([[3, 2]]);
    });
  });
});
