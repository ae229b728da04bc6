import { assertSize } from './merkle-arithmetic';
import { HASH_SIZE } from './merkle-hash';

/*
 * The upper levels of the stored Merkle tree (merkle-node-keys.ts), held in memory so that a proof
 * reads only its few lowest nodes from the database.
 *
 * Node (L, i) covers leaves [i·2^L, (i+1)·2^L); it exists, and never changes, once the tree has
 * (i+1)·2^L leaves. So for a tree of C leaves ("covered size") the nodes of level L that exist are
 * exactly i = 0 … ⌊C/2^L⌋ − 1: one contiguous run per level, kept here as one packed Buffer of
 * 32-byte hashes. Holding only those, `get` can never answer for a subtree that is not complete
 * in a tree of C leaves, and a proof for a tree of n leaves only ever asks for complete subtrees
 * inside [0, n); so a cached node is the stored node, for every n.
 *
 * Bound: levels ≥ `lowestLevel` are held, the lowest level chosen so that they hold at most
 * `maxHashes` hashes (Σ_{L ≥ lowestLevel} ⌊C/2^L⌋ ≤ maxHashes), i.e. at most 32·maxHashes bytes of
 * hashes. As C grows, `lowestLevel` rises and the lowest runs are dropped.
 *
 * A snapshot is immutable: `covering` returns a new one, so a reader holding one sees one tree.
 */

/** The nodes of one level to read from the store: indexes [from, to). */
export interface MerkleLevelRange {
  readonly level: number;
  readonly from: number;
  readonly to: number;
}

/** Thrown by `covering` when the nodes read disagree with those held (the store is not the tree this cache saw). */
export class MerkleUpperLevelsMismatch extends Error {
  override readonly name = 'MerkleUpperLevelsMismatch';
}

/** A level above every tree's highest: "no level held". */
const NO_LEVEL = 64;

/** The lowest level ≥ 1 whose nodes, and those of every level above, number at most `maxHashes` in a tree of `size` leaves. */
export function lowestHeldLevel(size: number, maxHashes: number): number {
  assertSize('size', size);
  assertSize('maxHashes', maxHashes);
  let level = 1;
  while (nodesAtOrAbove(size, level) > maxHashes) level += 1;
  return level;
}

/** Σ_{L ≥ level} ⌊size/2^L⌋: the complete subtrees of `level` and above in a tree of `size` leaves. */
function nodesAtOrAbove(size: number, level: number): number {
  let total = 0;
  for (let count = Math.floor(size / 2 ** level); count > 0; count = Math.floor(count / 2)) total += count;
  return total;
}

export class MerkleUpperLevels {
  private constructor(
    /** The most hashes held (the memory bound: 32 bytes each). */
    readonly maxHashes: number,
    /** Every complete subtree of the first `coveredSize` leaves at this level or above is held. */
    readonly lowestLevel: number,
    readonly coveredSize: number,
    /** level → the hashes of nodes 0 … ⌊coveredSize/2^level⌋ − 1, packed. */
    private readonly levels: ReadonlyMap<number, Buffer>,
  ) {}

  static empty(maxHashes: number): MerkleUpperLevels {
    assertSize('maxHashes', maxHashes);
    return new MerkleUpperLevels(maxHashes, NO_LEVEL, 0, new Map());
  }

  /** Node (level, index) when held: a complete subtree of the first `coveredSize` leaves at a held level. */
  get(level: number, index: number): Buffer | undefined {
    if (level < this.lowestLevel) return undefined;
    const hashes = this.levels.get(level);
    if (hashes === undefined || !Number.isSafeInteger(index) || index < 0) return undefined;
    const start = index * HASH_SIZE;
    if (start + HASH_SIZE > hashes.length) return undefined;
    return hashes.subarray(start, start + HASH_SIZE);
  }

  /** How many hashes are held (≤ maxHashes). */
  get size(): number {
    let total = 0;
    for (const hashes of this.levels.values()) total += hashes.length / HASH_SIZE;
    return total;
  }

  /**
   * The nodes to read so that `covering(size, …)` can hold a tree of `size` leaves: per level held
   * then, those not held now, plus the last one held now (read again, to check the store still
   * agrees with what is held). Empty when `size` is covered already.
   */
  rangesToCover(size: number): MerkleLevelRange[] {
    assertSize('size', size);
    if (size <= this.coveredSize) return [];
    const ranges: MerkleLevelRange[] = [];
    for (let level = lowestHeldLevel(size, this.maxHashes); Math.floor(size / 2 ** level) > 0; level += 1) {
      const held = this.heldCount(level);
      ranges.push({ level, from: Math.max(0, held - 1), to: Math.floor(size / 2 ** level) });
    }
    return ranges;
  }

  /**
   * A snapshot holding a tree of `size` leaves, from this one and `read`: level → the packed hashes
   * of the range `rangesToCover(size)` gave for it. Throws a RangeError when a range was not read
   * whole, and MerkleUpperLevelsMismatch when a node read again differs from the one held.
   */
  covering(size: number, read: ReadonlyMap<number, Buffer>): MerkleUpperLevels {
    if (size <= this.coveredSize) return this;
    const ranges = this.rangesToCover(size);
    const levels = new Map<number, Buffer>();
    for (const { level, from, to } of ranges) {
      const hashes = read.get(level) ?? Buffer.alloc(0);
      if (hashes.length !== (to - from) * HASH_SIZE) {
        throw new RangeError(`level ${level}: read ${hashes.length / HASH_SIZE} nodes of [${from}, ${to}), expected ${to - from}`);
      }
      const held = this.levels.get(level)?.subarray(0, this.heldCount(level) * HASH_SIZE) ?? Buffer.alloc(0);
      if (from < this.heldCount(level)) {
        const again = hashes.subarray(0, HASH_SIZE);
        if (!again.equals(held.subarray(from * HASH_SIZE))) {
          throw new MerkleUpperLevelsMismatch(`node (${level}, ${from}) read from the store differs from the one held`);
        }
      }
      levels.set(level, Buffer.concat([held.subarray(0, from * HASH_SIZE), hashes]));
    }
    const lowest = ranges[0]?.level ?? NO_LEVEL;
    return new MerkleUpperLevels(this.maxHashes, lowest, size, levels);
  }

  /** How many nodes of `level` are held. */
  private heldCount(level: number): number {
    return level < this.lowestLevel ? 0 : (this.levels.get(level)?.length ?? 0) / HASH_SIZE;
  }
}
