import { foldFrontier } from './merkle-accumulator';
import { assertIndex, assertSize, half, isHash, isOdd, isPowerOfTwo, isSize, largestPowerOfTwoBelow } from './merkle-arithmetic';
import { emptyRootHash, HASH_SIZE, nodeHash } from './merkle-hash';
import {
  consistencyProofNodeKeys,
  consistencyProofPlan,
  inclusionProofNodeKeys,
  inclusionProofPlan,
  merkleNodeKey,
  rootNodeKeys,
  type MerkleNodeKey,
  type MerkleNodeMap,
  type MerkleNodeReader,
} from './merkle-node-keys';

/*
 * RFC 9162 roots, inclusion and consistency proofs, and their verification (SHA-256).
 *
 * Everything here works on LEAF HASHES (32-byte Buffers, `leafHash(bytes)`), never on raw entries:
 * `rootHash(leaves)` is MTH of the entries whose leaf hashes are `leaves`.
 *
 * Two forms of the same tree:
 *
 * 1. Direct: `rootHash`, `inclusionProof`, `consistencyProof` take all leaf hashes of the tree and
 *    follow the recursive definitions of RFC 9162 2.1.1 (MTH), 2.1.3.1 (PATH) and 2.1.4.1
 *    (PROOF/SUBPROOF) literally. O(n) work; for tests, small trees and the offline verifier.
 *
 * 2. Stored nodes (merkle-node-keys.ts): `*FromMap` assemble the result from the nodes their
 *    `*NodeKeys` name, fetched by the caller; `*FromNodes` do both with an async node reader.
 */

// ---------------------------------------------------------------------------------------------
// Direct form (RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1 over all leaf hashes)
// ---------------------------------------------------------------------------------------------

/** MTH(D[n]) over the given leaf hashes; the empty tree gives SHA-256(""). */
export function rootHash(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return emptyRootHash();
  return Buffer.from(mth(leaves, 0, leaves.length));
}

/**
 * RFC 9162 2.1.3.1 PATH(index, D[n]) with n = leaves.length: the audit path of leaf `index`,
 * ordered from the leaf's sibling up to the child of the root.
 */
export function inclusionProof(index: number, leaves: readonly Buffer[]): Buffer[] {
  assertIndex('index', index, leaves.length);
  const out: Buffer[] = [];
  path(index, leaves, 0, leaves.length, out);
  return out;
}

/**
 * RFC 9162 2.1.4.1 PROOF(m, D[n]) with n = leaves.length: the consistency proof from the tree of
 * the first m leaves to the whole tree. Empty when m = 0 or m = n (RFC 9162 defines 0 < m < n;
 * those two cases need no proof).
 */
export function consistencyProof(m: number, leaves: readonly Buffer[]): Buffer[] {
  assertSize('m', m);
  if (m > leaves.length) throw new RangeError(`m (${m}) is larger than the tree (${leaves.length})`);
  const out: Buffer[] = [];
  if (m === 0 || m === leaves.length) return out;
  subproof(m, leaves, 0, leaves.length, true, out);
  return out;
}

/** MTH(D[lo:hi]) for hi > lo. */
function mth(leaves: readonly Buffer[], lo: number, hi: number): Buffer {
  if (hi - lo === 1) return leaf(leaves, lo);
  const k = largestPowerOfTwoBelow(hi - lo);
  return nodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

/** PATH(m, D[lo:hi]) with m an absolute index in [lo, hi). */
function path(m: number, leaves: readonly Buffer[], lo: number, hi: number, out: Buffer[]): void {
  if (hi - lo <= 1) return;
  const k = largestPowerOfTwoBelow(hi - lo);
  if (m < lo + k) {
    path(m, leaves, lo, lo + k, out);
    out.push(mth(leaves, lo + k, hi));
  } else {
    path(m, leaves, lo + k, hi, out);
    out.push(mth(leaves, lo, lo + k));
  }
}

/** SUBPROOF(m, D[lo:hi], b) with m counted from lo, 0 < m <= hi - lo. */
function subproof(m: number, leaves: readonly Buffer[], lo: number, hi: number, b: boolean, out: Buffer[]): void {
  const n = hi - lo;
  if (m === n) {
    if (!b) out.push(mth(leaves, lo, hi));
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    subproof(m, leaves, lo, lo + k, b, out);
    out.push(mth(leaves, lo + k, hi));
  } else {
    subproof(m - k, leaves, lo + k, hi, false, out);
    out.push(mth(leaves, lo, lo + k));
  }
}

function leaf(leaves: readonly Buffer[], i: number): Buffer {
  const h = leaves[i];
  if (h === undefined) throw new RangeError(`leaf ${i} is missing`);
  return h;
}

// ---------------------------------------------------------------------------------------------
// Verification (RFC 9162 2.1.3.2 and 2.1.4.2). Never throw: bad input is simply "does not verify".
// ---------------------------------------------------------------------------------------------

/**
 * RFC 9162 2.1.3.2: does `proof` show that `leafHashValue` is leaf `index` of the tree of
 * `treeSize` leaves whose root is `root`?
 */
export function verifyInclusion(
  leafHashValue: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(leafHashValue) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHashValue;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(r, root);
}

/**
 * RFC 9162 2.1.4.2: does `proof` show that the tree of `m` leaves with root `oldRoot` is a prefix
 * of the tree of `n` leaves with root `newRoot`?
 * Edge cases (as transparency-dev/merkle, but stricter for m = 0): m = n needs an empty proof and
 * equal roots; m = 0 needs an empty proof and `oldRoot` = the empty-tree hash.
 */
export function verifyConsistency(
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean {
  if (!isSize(m) || !isSize(n) || m > n) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false;
  if (m === n) return proof.length === 0 && equalHashes(oldRoot, newRoot);
  if (m === 0) return proof.length === 0 && equalHashes(oldRoot, emptyRootHash());
  if (proof.length === 0) return false;

  const path: readonly Uint8Array[] = isPowerOfTwo(m) ? [oldRoot, ...proof] : proof;
  let fn = m - 1;
  let sn = n - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const first = path[0];
  if (first === undefined) return false;
  let fr: Uint8Array = first;
  let sr: Uint8Array = first;
  for (let j = 1; j < path.length; j++) {
    const c = path[j] as Uint8Array;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(fr, oldRoot) && equalHashes(sr, newRoot);
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

// ---------------------------------------------------------------------------------------------
// Stored-node form: roots and proofs from a node lookup
// ---------------------------------------------------------------------------------------------

/** MTH of the first `treeSize` leaves from stored nodes (see `rootNodeKeys`). */
export function rootFromMap(treeSize: number, nodes: MerkleNodeMap): Buffer {
  const keys = rootNodeKeys(treeSize);
  if (keys.length === 0) return emptyRootHash();
  return Buffer.from(foldKeys(keys, (k) => lookup(nodes, k)));
}

/** PATH(index, D[treeSize]) from stored nodes (see `inclusionProofNodeKeys`). */
export function inclusionProofFromMap(index: number, treeSize: number, nodes: MerkleNodeMap): Buffer[] {
  return inclusionProofPlan(index, treeSize).map((element) => Buffer.from(foldKeys(element, (k) => lookup(nodes, k))));
}

/** PROOF(m, D[n]) from stored nodes (see `consistencyProofNodeKeys`). */
export function consistencyProofFromMap(m: number, n: number, nodes: MerkleNodeMap): Buffer[] {
  return consistencyProofPlan(m, n).map((element) => Buffer.from(foldKeys(element, (k) => lookup(nodes, k))));
}

/** MTH of the first `treeSize` leaves, reading ≤ log2(n)+1 nodes through `getNode`. */
export async function rootFromNodes(treeSize: number, getNode: MerkleNodeReader): Promise<Buffer> {
  const keys = rootNodeKeys(treeSize);
  return rootFromMap(treeSize, await readNodes(keys, getNode));
}

/** PATH(index, D[treeSize]), reading ≤ 2·log2(n) nodes through `getNode`. */
export async function inclusionProofFromNodes(
  index: number,
  treeSize: number,
  getNode: MerkleNodeReader,
): Promise<Buffer[]> {
  const keys = inclusionProofNodeKeys(index, treeSize);
  return inclusionProofFromMap(index, treeSize, await readNodes(keys, getNode));
}

/** PROOF(m, D[n]), reading ≤ 2·log2(n) nodes through `getNode`. */
export async function consistencyProofFromNodes(m: number, n: number, getNode: MerkleNodeReader): Promise<Buffer[]> {
  const keys = consistencyProofNodeKeys(m, n);
  return consistencyProofFromMap(m, n, await readNodes(keys, getNode));
}

function foldKeys(keys: readonly MerkleNodeKey[], get: (key: MerkleNodeKey) => Buffer): Buffer {
  return foldFrontier(keys.map(get));
}

async function readNodes(keys: readonly MerkleNodeKey[], getNode: MerkleNodeReader): Promise<Map<string, Buffer>> {
  const hashes = await Promise.all(keys.map((k) => Promise.resolve(getNode(k.level, k.index))));
  const map = new Map<string, Buffer>();
  keys.forEach((k, i) => map.set(merkleNodeKey(k.level, k.index), hashes[i] as Buffer));
  return map;
}

function lookup(nodes: MerkleNodeMap, k: MerkleNodeKey): Buffer {
  const h = nodes.get(merkleNodeKey(k.level, k.index));
  if (h === undefined) throw new Error(`Merkle node (${k.level}, ${k.index}) is missing`);
  if (!isHash(h)) throw new Error(`Merkle node (${k.level}, ${k.index}) is not ${HASH_SIZE} bytes`);
  return h;
}
