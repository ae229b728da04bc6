import { assertSize, isHash, isOdd, popcount } from './merkle-arithmetic';
import { emptyRootHash, HASH_SIZE, nodeHash } from './merkle-hash';
import type { MerkleNode } from './merkle-node-keys';

/*
 * Appending to an RFC 9162 Merkle tree given only its frontier (its complete subtrees, largest
 * first: see merkle-node-keys.ts), and folding a frontier into the root. `MerkleAccumulator` /
 * `appendLeaf` return the nodes each append completes (level 0 included: a caller that already
 * stores leaf hashes elsewhere may skip those and serve (0, i) from there).
 */

/** The result of appending one leaf to a tree of `size - 1` leaves. */
export interface MerkleAppend {
  /** The tree size after the append. */
  readonly size: number;
  /** The frontier of the new tree: its complete subtrees' hashes, largest (leftmost) first. */
  readonly frontier: Buffer[];
  /** The nodes this leaf completed, level 0 first: (0, size-1), then each new ancestor. */
  readonly nodes: MerkleNode[];
}

/**
 * Appends leaf hash `leaf` as leaf number `size` to the tree of `size` leaves whose frontier is
 * `frontier` (popcount(size) hashes, largest subtree first — `frontierNodeKeys(size)` lists their
 * keys). Pure: returns the new frontier and the completed nodes.
 */
export function appendLeaf(frontier: readonly Buffer[], size: number, leaf: Buffer): MerkleAppend {
  assertFrontier(frontier, size);
  const next = frontier.slice();
  const nodes = pushLeaf(next, size, leaf);
  return { size: size + 1, frontier: next, nodes };
}

/** MTH of the tree of `size` leaves from its frontier (largest subtree first). */
export function rootFromFrontier(frontier: readonly Buffer[], size: number): Buffer {
  assertFrontier(frontier, size);
  return foldFrontier(frontier);
}

/**
 * A Merkle tree kept as its frontier only (at most log2(n)+1 hashes): append leaf hashes, get the
 * nodes each append completes (to store), and the root at any moment. Resume after a restart with
 * `new MerkleAccumulator(size, frontier)`, the frontier read back via `frontierNodeKeys(size)`.
 */
export class MerkleAccumulator {
  private readonly stack: Buffer[];
  private count: number;

  constructor(size = 0, frontier: readonly Buffer[] = []) {
    assertFrontier(frontier, size);
    this.count = size;
    this.stack = frontier.slice();
  }

  /** Leaves appended so far. */
  get size(): number {
    return this.count;
  }

  /** A copy of the frontier: the complete subtrees of the current tree, largest first. */
  get frontier(): Buffer[] {
    return this.stack.slice();
  }

  /** Appends one leaf hash; returns the nodes it completed, (0, size) first. */
  append(leaf: Buffer): MerkleNode[] {
    if (!isHash(leaf)) throw new RangeError(`a leaf hash must be ${HASH_SIZE} bytes`);
    const nodes = pushLeaf(this.stack, this.count, leaf);
    this.count += 1;
    return nodes;
  }

  /** MTH of the current tree (SHA-256("") while empty). */
  root(): Buffer {
    return foldFrontier(this.stack);
  }
}

/** Folds complete subtrees (largest first) into the MTH of their union, right to left. */
export function foldFrontier(frontier: readonly Buffer[]): Buffer {
  let i = frontier.length - 1;
  const last = frontier[i];
  if (last === undefined) return emptyRootHash();
  let r = last;
  for (i -= 1; i >= 0; i--) r = nodeHash(frontier[i] as Buffer, r);
  return r;
}

/** Appends `leaf` as leaf number `size` to the frontier `stack` in place; returns completed nodes. */
function pushLeaf(stack: Buffer[], size: number, leaf: Buffer): MerkleNode[] {
  const nodes: MerkleNode[] = [{ level: 0, index: size, hash: leaf }];
  let hash = leaf;
  let level = 0;
  let index = size;
  // A right child (odd index) completes its parent; its left sibling is the frontier's last entry.
  while (isOdd(index)) {
    const left = stack.pop();
    if (left === undefined) throw new Error('Merkle frontier is shorter than its size implies');
    hash = nodeHash(left, hash);
    index = (index - 1) / 2;
    level += 1;
    nodes.push({ level, index, hash });
  }
  stack.push(hash);
  return nodes;
}

function assertFrontier(frontier: readonly Buffer[], size: number): void {
  assertSize('size', size);
  const expected = popcount(size);
  if (frontier.length !== expected) {
    throw new RangeError(`a tree of ${size} leaves has a frontier of ${expected} hashes, got ${frontier.length}`);
  }
  if (!frontier.every(isHash)) throw new RangeError(`frontier hashes must be ${HASH_SIZE} bytes`);
}
