import { assertIndex, assertSize, largestPowerOfTwoBelow } from './merkle-arithmetic';

/*
 * Addressing the stored nodes of an RFC 9162 Merkle tree. The tree is kept as its COMPLETE
 * SUBTREES, each keyed (level, index):
 *
 *     node (L, i) = MTH of leaves [i·2^L, (i+1)·2^L)
 *
 * so (0, i) is leaf hash i, (1, i) = nodeHash((0, 2i), (0, 2i+1)), and in general
 * (L+1, i) = nodeHash((L, 2i), (L, 2i+1)). A node exists once its last leaf is appended and
 * never changes afterwards (the log is append-only), so nodes can be written once and never
 * updated. A tree of n leaves has at most 2n - 1 of them.
 *
 *     level 2                (2,0)
 *     level 1        (1,0)           (1,1)          (1,2)
 *     level 0    (0,0)   (0,1)   (0,2)   (0,3)   (0,4)   (0,5)   (0,6)
 *
 * (a tree of 7 leaves: (1,3) and (2,1) do not exist yet; its root is
 * nodeHash((2,0), nodeHash((1,2), (0,6)))).
 *
 * Any tree size n, not only the current one, is described by these nodes: the root of the
 * first n leaves is the fold of the "frontier" of n — one complete subtree per set bit of n,
 * largest (leftmost) first — and every element of an inclusion or consistency proof for size n
 * is either one complete subtree or the fold of such a frontier over a sub-range. So a proof
 * needs at most ~2·log2(n) node reads and never a scan, and only ever reads nodes that lie
 * wholly inside [0, n) — nodes that existed when the tree had n leaves.
 *
 * `*NodeKeys` list the (level, index) pairs a root or proof needs, so a caller can fetch them in
 * one query; the proof plans say how the fetched nodes fold into each proof element
 * (merkle-proofs.ts assembles them).
 */

/** A complete subtree: node (level, index) covers leaves [index·2^level, (index+1)·2^level). */
export interface MerkleNodeKey {
  readonly level: number;
  readonly index: number;
}

/** A complete subtree and its hash (for level 0, the leaf hash itself). */
export interface MerkleNode extends MerkleNodeKey {
  readonly hash: Buffer;
}

/** Reads one stored node. Only ever asked for complete subtrees inside the requested tree size. */
export type MerkleNodeReader = (level: number, index: number) => Promise<Buffer> | Buffer;

/** Nodes keyed by `merkleNodeKey(level, index)`: a `Map`, or anything with its `get`. */
export interface MerkleNodeMap {
  get(key: string): Buffer | undefined;
}

/** The Map key of node (level, index): `"<level>/<index>"`. */
export function merkleNodeKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/** The keys of the frontier of a tree of `size` leaves (= the nodes its root is folded from). */
export function frontierNodeKeys(size: number): MerkleNodeKey[] {
  assertSize('size', size);
  return rangeNodeKeys(0, size);
}

/** The node keys `rootFromMap(treeSize, …)` reads: the frontier of `treeSize`. */
export function rootNodeKeys(treeSize: number): MerkleNodeKey[] {
  return frontierNodeKeys(treeSize);
}

/** The distinct node keys `inclusionProofFromMap(index, treeSize, …)` reads (≤ 2·log2 n). */
export function inclusionProofNodeKeys(index: number, treeSize: number): MerkleNodeKey[] {
  return distinctKeys(inclusionProofPlan(index, treeSize));
}

/** The distinct node keys `consistencyProofFromMap(m, n, …)` reads (≤ 2·log2 n). */
export function consistencyProofNodeKeys(m: number, n: number): MerkleNodeKey[] {
  return distinctKeys(consistencyProofPlan(m, n));
}

/**
 * Which leaf ranges make up PATH(index, D[n]), each given as the complete subtrees it folds from.
 * Every range arising in the RFC recursion starts at a multiple of the next power of two ≥ its
 * length, so it is exactly the frontier of its length shifted to its start (`rangeNodeKeys`).
 */
export function inclusionProofPlan(index: number, treeSize: number): MerkleNodeKey[][] {
  assertIndex('index', index, treeSize);
  const plan: MerkleNodeKey[][] = [];
  let lo = 0;
  let hi = treeSize;
  // Walk from the root down, collecting the sibling ranges; PATH lists them bottom-up.
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      plan.push(rangeNodeKeys(lo + k, hi));
      hi = lo + k;
    } else {
      plan.push(rangeNodeKeys(lo, lo + k));
      lo = lo + k;
    }
  }
  return plan.reverse();
}

/** Which leaf ranges make up PROOF(m, D[n]) (RFC 9162 2.1.4.1), bottom-up like SUBPROOF emits. */
export function consistencyProofPlan(m: number, n: number): MerkleNodeKey[][] {
  assertSize('m', m);
  assertSize('n', n);
  if (m > n) throw new RangeError(`m (${m}) is larger than n (${n})`);
  const plan: MerkleNodeKey[][] = [];
  if (m === 0 || m === n) return plan;
  let lo = 0;
  let hi = n;
  let rel = m; // m counted from lo
  let b = true;
  while (rel !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (rel <= k) {
      plan.push(rangeNodeKeys(lo + k, hi));
      hi = lo + k;
    } else {
      plan.push(rangeNodeKeys(lo, lo + k));
      lo = lo + k;
      rel -= k;
      b = false;
    }
  }
  if (!b) plan.push(rangeNodeKeys(lo, hi));
  return plan.reverse();
}

/**
 * The complete subtrees covering [lo, hi), largest first, for lo a multiple of the next power of
 * two ≥ hi - lo (true of every range the RFC recursions produce): one per set bit of hi - lo.
 */
function rangeNodeKeys(lo: number, hi: number): MerkleNodeKey[] {
  const keys: MerkleNodeKey[] = [];
  let remaining = hi - lo;
  let start = lo;
  let level = 0;
  let width = 1;
  while (width * 2 <= remaining) {
    width *= 2;
    level += 1;
  }
  while (remaining > 0) {
    if (width <= remaining) {
      keys.push({ level, index: start / width });
      start += width;
      remaining -= width;
    }
    width /= 2;
    level -= 1;
  }
  return keys;
}

function distinctKeys(plan: readonly (readonly MerkleNodeKey[])[]): MerkleNodeKey[] {
  const seen = new Map<string, MerkleNodeKey>();
  for (const element of plan) for (const k of element) seen.set(merkleNodeKey(k.level, k.index), k);
  return [...seen.values()];
}
