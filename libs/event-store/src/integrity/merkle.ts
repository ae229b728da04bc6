import { hash } from 'node:crypto';

/*
 * RFC 6962 / RFC 9162 Merkle tree hashing, proofs and verification (SHA-256).
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
 * 2. Stored nodes: the tree is kept as its COMPLETE SUBTREES, each keyed (level, index):
 *
 *        node (L, i) = MTH of leaves [i·2^L, (i+1)·2^L)
 *
 *    so (0, i) is leaf hash i, (1, i) = nodeHash((0, 2i), (0, 2i+1)), and in general
 *    (L+1, i) = nodeHash((L, 2i), (L, 2i+1)). A node exists once its last leaf is appended and
 *    never changes afterwards (the log is append-only), so nodes can be written once and never
 *    updated. A tree of n leaves has at most 2n - 1 of them.
 *
 *        level 2                (2,0)
 *        level 1        (1,0)           (1,1)          (1,2)
 *        level 0    (0,0)   (0,1)   (0,2)   (0,3)   (0,4)   (0,5)   (0,6)
 *
 *    (a tree of 7 leaves: (1,3) and (2,1) do not exist yet; its root is
 *    nodeHash((2,0), nodeHash((1,2), (0,6)))).
 *
 *    Any tree size n, not only the current one, is described by these nodes: the root of the
 *    first n leaves is the fold of the "frontier" of n — one complete subtree per set bit of n,
 *    largest (leftmost) first — and every element of an inclusion or consistency proof for size n
 *    is either one complete subtree or the fold of such a frontier over a sub-range. So a proof
 *    needs at most ~2·log2(n) node reads and never a scan, and only ever reads nodes that lie
 *    wholly inside [0, n) — nodes that existed when the tree had n leaves.
 *
 *    `MerkleAccumulator` / `appendLeaf` append leaves given only the current frontier and return
 *    the nodes each append completes (level 0 included: a caller that already stores leaf hashes
 *    elsewhere may skip those and serve (0, i) from there). `*NodeKeys` list the (level, index)
 *    pairs a root or proof needs, so a caller can fetch them in one query; `*FromMap` assemble the
 *    result from the fetched nodes; `*FromNodes` do both with an async node reader.
 *
 * Sizes and indexes are JavaScript numbers (safe integers up to 2^53 - 1); no 32-bit bit
 * operations are used on them.
 */

/** Bytes in a SHA-256 hash: every leaf hash, node hash and proof element. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/*
 * One-shot `crypto.hash` (Node ≥ 20.12) over one buffer: measurably faster than
 * createHash().update()….digest() for these short inputs, which the sealer and verifier hash
 * three of per event.
 */

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ bytes). */
export function leafHash(bytes: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + bytes.length);
  input[0] = LEAF_PREFIX;
  input.set(bytes, 1);
  return hash('sha256', input, 'buffer');
}

/** The input of a node hash of two HASH_SIZE children, reused: `hash` is synchronous and copies nothing out of it. */
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_SIZE);

/** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const input = left.length === HASH_SIZE && right.length === HASH_SIZE ? NODE_INPUT : Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return hash('sha256', input, 'buffer');
}

/** MTH of the empty tree: SHA-256 of the empty string. A fresh Buffer each call. */
export function emptyRootHash(): Buffer {
  return hash('sha256', Buffer.alloc(0), 'buffer');
}

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

// ---------------------------------------------------------------------------------------------
// Stored-node form: keys, the accumulator, and proofs/roots from a node lookup
// ---------------------------------------------------------------------------------------------

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

/**
 * Which leaf ranges make up PATH(index, D[n]), each given as the complete subtrees it folds from.
 * Every range arising in the RFC recursion starts at a multiple of the next power of two ≥ its
 * length, so it is exactly the frontier of its length shifted to its start (`rangeNodeKeys`).
 */
function inclusionProofPlan(index: number, treeSize: number): MerkleNodeKey[][] {
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
function consistencyProofPlan(m: number, n: number): MerkleNodeKey[][] {
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

/** Folds complete subtrees (largest first) into the MTH of their union, right to left. */
function foldFrontier(frontier: readonly Buffer[]): Buffer {
  let i = frontier.length - 1;
  const last = frontier[i];
  if (last === undefined) return emptyRootHash();
  let r = last;
  for (i -= 1; i >= 0; i--) r = nodeHash(frontier[i] as Buffer, r);
  return r;
}

function foldKeys(keys: readonly MerkleNodeKey[], get: (key: MerkleNodeKey) => Buffer): Buffer {
  return foldFrontier(keys.map(get));
}

function distinctKeys(plan: readonly (readonly MerkleNodeKey[])[]): MerkleNodeKey[] {
  const seen = new Map<string, MerkleNodeKey>();
  for (const element of plan) for (const k of element) seen.set(merkleNodeKey(k.level, k.index), k);
  return [...seen.values()];
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

// ---------------------------------------------------------------------------------------------
// Arithmetic helpers (safe for sizes up to 2^53 - 1)
// ---------------------------------------------------------------------------------------------

/** The largest power of two strictly less than n, for n ≥ 2. */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = half(x)) if (isOdd(x)) c += 1;
  return c;
}

function isOdd(x: number): boolean {
  return x % 2 === 1;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function isSize(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

function isHash(h: Uint8Array): boolean {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

function assertSize(name: string, x: number): void {
  if (!isSize(x)) throw new RangeError(`${name} must be a non-negative safe integer, got ${x}`);
}

function assertIndex(name: string, index: number, size: number): void {
  assertSize(name, index);
  assertSize('tree size', size);
  if (index >= size) throw new RangeError(`${name} ${index} is outside a tree of ${size} leaves`);
}

function assertFrontier(frontier: readonly Buffer[], size: number): void {
  assertSize('size', size);
  const expected = popcount(size);
  if (frontier.length !== expected) {
    throw new RangeError(`a tree of ${size} leaves has a frontier of ${expected} hashes, got ${frontier.length}`);
  }
  if (!frontier.every(isHash)) throw new RangeError(`frontier hashes must be ${HASH_SIZE} bytes`);
}
