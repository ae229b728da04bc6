import fc from 'fast-check';
import { leafHash } from './merkle-hash';
import { consistencyProofNodeKeys, inclusionProofNodeKeys, merkleNodeKey, type MerkleNodeKey } from './merkle-node-keys';
import { consistencyProof, consistencyProofFromMap, inclusionProof, inclusionProofFromMap, rootHash } from './merkle-proofs';
import { lowestHeldLevel, MerkleUpperLevels, MerkleUpperLevelsMismatch } from './merkle-upper-levels';

/*
 * The held upper levels against the tree itself: a "store" of every complete subtree of a tree
 * grown in steps, the cache fed from it as a database would, and proofs assembled with the cache
 * preferred over the store equal to the direct RFC 9162 proofs, for every tree size up to the one
 * held (powers of two or not).
 */

const leaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

/** Node (level, index) of the tree over `all`, or undefined when that subtree is not complete in the first `size` leaves. */
function storedNode(all: readonly Buffer[], size: number, level: number, index: number): Buffer | undefined {
  const lo = index * 2 ** level;
  const hi = lo + 2 ** level;
  return hi > size ? undefined : rootHash(all.slice(lo, hi));
}

/** What the database answers for `rangesToCover(size)`: each range's hashes packed, stopping at the first node not stored. */
function readFromStore(all: readonly Buffer[], size: number, cache: MerkleUpperLevels, sealed = size): Map<number, Buffer> {
  const read = new Map<number, Buffer>();
  for (const { level, from, to } of cache.rangesToCover(size)) {
    const hashes: Buffer[] = [];
    for (let i = from; i < to; i++) {
      const node = storedNode(all, sealed, level, i);
      if (node === undefined) break;
      hashes.push(node);
    }
    read.set(level, Buffer.concat(hashes));
  }
  return read;
}

/** The nodes a proof needs: from the cache when held, else from the store (as the query handler does). */
function nodesPreferringCache(all: readonly Buffer[], size: number, cache: MerkleUpperLevels, keys: readonly MerkleNodeKey[]) {
  const nodes = new Map<string, Buffer>();
  for (const { level, index } of keys) {
    const node = (level === 0 ? undefined : cache.get(level, index)) ?? storedNode(all, size, level, index);
    if (node === undefined) throw new Error(`node (${level}, ${index}) is not in a tree of ${size}`);
    nodes.set(merkleNodeKey(level, index), node);
  }
  return nodes;
}

describe('lowestHeldLevel', () => {
  it('is the lowest level ≥ 1 whose nodes and those above fit in the bound', () => {
    expect(lowestHeldLevel(0, 0)).toBe(1);
    expect(lowestHeldLevel(1, 0)).toBe(1);
    expect(lowestHeldLevel(8, 7)).toBe(1); // 4 + 2 + 1
    expect(lowestHeldLevel(8, 6)).toBe(2); // 2 + 1
    expect(lowestHeldLevel(1_000_000, 262_144)).toBe(3); // 125,000 + 62,500 + … ≈ 250,000
    expect(lowestHeldLevel(2 ** 40, 262_144)).toBe(23);
  });
});

describe('MerkleUpperLevels', () => {
  it('holds nothing when empty', () => {
    const cache = MerkleUpperLevels.empty(100);
    expect(cache.coveredSize).toBe(0);
    expect(cache.get(1, 0)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('gives the same inclusion and consistency proofs as the store, for every tree size up to the one it holds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 20 }),
        (steps, maxHashes, picks) => {
          const total = steps.reduce((a, b) => a + b, 0);
          const all = leaves(total);
          let cache = MerkleUpperLevels.empty(maxHashes);
          let size = 0;
          for (const step of steps) {
            size += step;
            cache = cache.covering(size, readFromStore(all, size, cache));
            expect(cache.coveredSize).toBe(size);
            expect(cache.size).toBeLessThanOrEqual(maxHashes);
            for (const [a, b] of picks) {
              const n = 1 + (a % size);
              const index = b % n;
              const tree = all.slice(0, n);
              const path = inclusionProofFromMap(index, n, nodesPreferringCache(all, n, cache, inclusionProofNodeKeys(index, n)));
              expect(path).toEqual(inclusionProof(index, tree));
              const m = b % (n + 1);
              const proof = consistencyProofFromMap(m, n, nodesPreferringCache(all, n, cache, consistencyProofNodeKeys(m, n)));
              expect(proof).toEqual(consistencyProof(m, tree));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('serves only complete subtrees of the size it holds, each equal to the stored node', () => {
    const all = leaves(77);
    let cache = MerkleUpperLevels.empty(40);
    for (const size of [5, 16, 17, 40, 77]) {
      cache = cache.covering(size, readFromStore(all, size, cache));
      for (let level = 0; level <= 7; level++) {
        for (let index = 0; index * 2 ** level < 128; index++) {
          const held = cache.get(level, index);
          if (held === undefined) continue;
          expect(level).toBeGreaterThanOrEqual(cache.lowestLevel);
          expect((index + 1) * 2 ** level).toBeLessThanOrEqual(size);
          expect(held).toEqual(storedNode(all, size, level, index));
        }
      }
      // Every level held is whole: each complete subtree at that level is served.
      for (let level = cache.lowestLevel; 2 ** level <= size; level++) {
        for (let index = 0; (index + 1) * 2 ** level <= size; index++) expect(cache.get(level, index)).toBeDefined();
      }
    }
    expect(cache.lowestLevel).toBe(2); // 77 leaves: 38 + 19 + … > 40; 19 + 9 + 4 + 2 + 1 = 35
  });

  it('never serves a node for a tree in which it is not complete, even when its level is held', () => {
    const all = leaves(12);
    const cache = MerkleUpperLevels.empty(100).covering(12, readFromStore(all, 12, MerkleUpperLevels.empty(100)));
    expect(cache.get(2, 2)).toEqual(storedNode(all, 12, 2, 2)); // leaves 8…11
    expect(cache.get(3, 1)).toBeUndefined(); // leaves 8…15: not complete at 12
    expect(cache.get(1, 6)).toBeUndefined(); // leaves 12, 13
    expect(cache.get(0, 3)).toBeUndefined(); // leaves are never held
    expect(cache.get(2, -1)).toBeUndefined();
    expect(cache.get(2, 0.5)).toBeUndefined();
  });

  it('refuses a read that is not whole, and a store that disagrees with what it holds', () => {
    const all = leaves(40);
    const held = MerkleUpperLevels.empty(100).covering(20, readFromStore(all, 20, MerkleUpperLevels.empty(100)));
    // The store has only 30 leaves' nodes: the ranges up to 40 cannot be read whole.
    expect(() => held.covering(40, readFromStore(all, 40, held, 30))).toThrow(RangeError);
    // A store holding another tree (the log replaced under the cache): the node read again differs.
    const other = leaves(40).map((h, i) => (i === 3 ? leafHash(Buffer.from('another')) : h));
    expect(() => held.covering(40, readFromStore(other, 40, held))).toThrow(MerkleUpperLevelsMismatch);
    // A failed extension leaves the snapshot as it was.
    expect(held.coveredSize).toBe(20);
    expect(held.covering(40, readFromStore(all, 40, held)).coveredSize).toBe(40);
  });
});
