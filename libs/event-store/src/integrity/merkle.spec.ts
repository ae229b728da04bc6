import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { appendLeaf, MerkleAccumulator, rootFromFrontier } from './merkle-accumulator';
import { emptyRootHash, leafHash, nodeHash } from './merkle-hash';
import {
  consistencyProofNodeKeys,
  frontierNodeKeys,
  inclusionProofNodeKeys,
  merkleNodeKey,
  rootNodeKeys,
  type MerkleNodeKey,
  type MerkleNodeMap,
} from './merkle-node-keys';
import {
  consistencyProof,
  consistencyProofFromMap,
  consistencyProofFromNodes,
  inclusionProof,
  inclusionProofFromMap,
  inclusionProofFromNodes,
  rootFromMap,
  rootFromNodes,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle-proofs';

/*
 * The Merkle modules together (hashing, node keys, the accumulator, proofs): most tests hold the
 * three forms of one tree (all leaf hashes, stored nodes, the accumulator's frontier) against each
 * other and against the reference vectors, so they stay in one file.
 *
 * Reference vectors: the eight RFC 6962 test leaves used by Certificate Transparency
 * implementations, with the roots, proofs and complete-subtree node hashes published in
 * transparency-dev/merkle (proof/verify_test.go, testonly/constants.go; the same values as
 * google/certificate-transparency's merkle_tree_test). Indexes here are 0-based (the Go
 * inclusion vectors are 1-based).
 */
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Buffer => Buffer.from(h, 'hex');

const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const LEAVES = LEAF_INPUTS.map(leafHash);

const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** transparency-dev/merkle testonly NodeHashes(): [level][index] for the eight leaves. */
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

const INCLUSION_VECTORS: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY_VECTORS: { m: number; n: number; proof: string[] }[] = [
  { m: 1, n: 1, proof: [] },
  {
    m: 1,
    n: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    m: 6,
    n: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    m: 2,
    n: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    m: 6,
    n: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

/** All nodes of a tree built by the accumulator, keyed for the *FromMap functions. */
function buildNodeMap(leaves: readonly Buffer[]): Map<string, Buffer> {
  const acc = new MerkleAccumulator();
  const map = new Map<string, Buffer>();
  for (const l of leaves) for (const node of acc.append(l)) map.set(merkleNodeKey(node.level, node.index), node.hash);
  return map;
}

/** A node map that fails the test if asked for a node not wholly inside the first `size` leaves. */
function guardedMap(all: Map<string, Buffer>, size: number): MerkleNodeMap {
  return {
    get(key: string) {
      const [level, index] = key.split('/').map(Number) as [number, number];
      if ((index + 1) * 2 ** level > size) throw new Error(`node ${key} is not complete in a tree of ${size}`);
      return all.get(key);
    },
  };
}

function flipBit(b: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(b);
  copy[Math.floor(bit / 8) % copy.length]! ^= 1 << bit % 8;
  return copy;
}

function randomLeaves(n: number, seed: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${seed} ${i}`)));
}

const bitLength = (n: number): number => (n === 0 ? 0 : Math.floor(Math.log2(n)) + 1);

describe('RFC 6962 hashing', () => {
  it('hashes leaves with 0x00 and nodes with 0x01, per the definition', () => {
    const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');
    expect(hex(leafHash(unhex('2021')))).toBe(sha(Buffer.from([0]), unhex('2021')));
    expect(hex(nodeHash(LEAVES[0]!, LEAVES[1]!))).toBe(sha(Buffer.from([1]), LEAVES[0]!, LEAVES[1]!));
    expect(hex(emptyRootHash())).toBe(createHash('sha256').update('').digest('hex'));
  });

  it('gives the reference roots for every size 0..8, in all three forms', () => {
    const acc = new MerkleAccumulator();
    const nodes = buildNodeMap(LEAVES);
    for (let n = 0; n <= 8; n++) {
      expect(hex(rootHash(LEAVES.slice(0, n)))).toBe(ROOTS[n]);
      expect(hex(acc.root())).toBe(ROOTS[n]);
      expect(hex(rootFromMap(n, guardedMap(nodes, n)))).toBe(ROOTS[n]);
      if (n < 8) acc.append(LEAVES[n]!);
    }
  });

  it('stores exactly the reference complete-subtree nodes under their (level, index) keys', () => {
    const nodes = buildNodeMap(LEAVES);
    const expected = new Map<string, string>();
    NODE_HASHES.forEach((row, level) => row.forEach((h, index) => expected.set(merkleNodeKey(level, index), h)));
    expect(new Map([...nodes].map(([k, v]) => [k, hex(v)]))).toEqual(expected);
  });

  it('matches the reference inclusion proofs, which verify; the corruptions of transparency-dev do not', async () => {
    const nodes = buildNodeMap(LEAVES);
    for (const { index, size, proof } of INCLUSION_VECTORS) {
      const leaves = LEAVES.slice(0, size);
      const root = unhex(ROOTS[size]!);
      const leaf = LEAVES[index]!;
      expect(inclusionProof(index, leaves).map(hex)).toEqual(proof);
      expect(inclusionProofFromMap(index, size, guardedMap(nodes, size)).map(hex)).toEqual(proof);
      const fromNodes = await inclusionProofFromNodes(index, size, (l, i) => Promise.resolve(nodes.get(merkleNodeKey(l, i))!));
      expect(fromNodes.map(hex)).toEqual(proof);

      const p = proof.map(unhex);
      expect(verifyInclusion(leaf, index, size, p, root)).toBe(true);
      const some = unhex('abacaba000000000000000000000000000000000000000000060061e00123456');
      const probes: [number, number, Buffer, Buffer[], Buffer][] = [
        [index - 1, size, leaf, p, root],
        [index + 1, size, leaf, p, root],
        [index ^ 2, size, leaf, p, root],
        [index, size * 2, leaf, p, root],
        [index, Math.floor(size / 2), leaf, p, root],
        [index, size, leafHash(Buffer.from('WrongLeaf')), p, root],
        [index, size, leaf, p, emptyRootHash()],
        [index, size, leaf, p, some],
        [index, size, leaf, [...p, Buffer.alloc(0)], root],
        [index, size, leaf, [...p, root], root],
        [index, size, leaf, [Buffer.alloc(0), ...p], root],
        [index, size, leaf, [root, ...p], root],
        ...p.map((_, i): [number, number, Buffer, Buffer[], Buffer] => [index, size, leaf, p.map((e, j) => (j === i ? flipBit(e, 3) : e)), root]),
        ...(p.length > 0 ? [[index, size, leaf, p.slice(0, -1), root] as [number, number, Buffer, Buffer[], Buffer]] : []),
        ...(p.length > 1 ? [[index, size, leaf, [p[0]!, some, ...p.slice(1)], root] as [number, number, Buffer, Buffer[], Buffer]] : []),
      ];
      for (const [i, s, l, pr, r] of probes) expect(verifyInclusion(l, i, s, pr, r)).toBe(false);
    }
  });

  it('matches the reference consistency proofs, which verify; the corruptions of transparency-dev do not', async () => {
    const nodes = buildNodeMap(LEAVES);
    for (const { m, n, proof } of CONSISTENCY_VECTORS) {
      const leaves = LEAVES.slice(0, n);
      const r1 = unhex(ROOTS[m]!);
      const r2 = unhex(ROOTS[n]!);
      expect(consistencyProof(m, leaves).map(hex)).toEqual(proof);
      expect(consistencyProofFromMap(m, n, guardedMap(nodes, n)).map(hex)).toEqual(proof);
      const fromNodes = await consistencyProofFromNodes(m, n, (l, i) => nodes.get(merkleNodeKey(l, i))!);
      expect(fromNodes.map(hex)).toEqual(proof);

      const p = proof.map(unhex);
      expect(verifyConsistency(m, n, p, r1, r2)).toBe(true);
      if (p.length === 0) continue;
      const probes: [number, number, Buffer[], Buffer, Buffer][] = [
        [m - 1, n, p, r1, r2],
        [m + 1, n, p, r1, r2],
        [m ^ 2, n, p, r1, r2],
        [m, n * 2, p, r1, r2],
        [m, Math.floor(n / 2), p, r1, r2],
        [m, n, p, leafHash(Buffer.from('WrongRoot')), r2],
        [m, n, p, r1, leafHash(Buffer.from('WrongRoot'))],
        [m, n, p, r2, r1],
        [m, n, [], r1, r2],
        [m, n, [...p, Buffer.alloc(0)], r1, r2],
        [m, n, [...p, r1], r1, r2],
        [m, n, [...p, r2], r1, r2],
        [m, n, [Buffer.alloc(0), ...p], r1, r2],
        [m, n, [r1, ...p], r1, r2],
        [m, n, [r2, ...p], r1, r2],
        [m, n, [p[0]!, ...p], r1, r2],
        [m, n, p.slice(0, -1), r1, r2],
        ...p.map((_, i): [number, number, Buffer[], Buffer, Buffer] => [m, n, p.map((e, j) => (j === i ? flipBit(e, 4) : e)), r1, r2]),
      ];
      for (const [a, b, pr, x, y] of probes) expect(verifyConsistency(a, b, pr, x, y)).toBe(false);
    }
  });

  it('handles the consistency edge cases (equal sizes, empty old tree, time travel)', () => {
    const e = emptyRootHash();
    const r1 = unhex(ROOTS[1]!);
    const r2 = unhex(ROOTS[2]!);
    expect(verifyConsistency(0, 0, [], e, e)).toBe(true);
    expect(verifyConsistency(0, 1, [], e, r1)).toBe(true);
    expect(verifyConsistency(1, 1, [], r1, r1)).toBe(true);
    expect(verifyConsistency(1, 1, [], r1, r2)).toBe(false);
    expect(verifyConsistency(1, 1, [e], r1, r1)).toBe(false);
    expect(verifyConsistency(0, 1, [e], e, r1)).toBe(false);
    expect(verifyConsistency(0, 1, [], r2, r1)).toBe(false); // an empty tree has the empty root
    expect(verifyConsistency(1, 0, [], r1, e)).toBe(false);
    expect(verifyConsistency(2, 1, [], r2, r1)).toBe(false);
    expect(verifyConsistency(1, 2, [], r1, r2)).toBe(false);
    expect(consistencyProof(0, LEAVES)).toEqual([]);
    expect(consistencyProof(8, LEAVES)).toEqual([]);
    expect(() => consistencyProof(9, LEAVES)).toThrow(RangeError);
    expect(verifyInclusion(LEAVES[0]!, 0, 0, [], e)).toBe(false);
    expect(verifyInclusion(LEAVES[0]!, 0, 1, [], LEAVES[0]!)).toBe(true);
    expect(verifyInclusion(LEAVES[0]!, 1, 1, [], LEAVES[0]!)).toBe(false);
    expect(verifyInclusion(LEAVES[0]!, 0.5, 1, [], LEAVES[0]!)).toBe(false);
    expect(() => inclusionProof(8, LEAVES)).toThrow(RangeError);
    expect(() => inclusionProofNodeKeys(3, 3)).toThrow(RangeError);
  });
});

describe('stored-node form', () => {
  const N = 300;
  const LEAVES_N = randomLeaves(N, 1);
  const NODES_N = buildNodeMap(LEAVES_N);

  it('the accumulator stores 2n - popcount(n) nodes, and its frontier root is MTH at every size', () => {
    const acc = new MerkleAccumulator();
    let stored = 0;
    for (let n = 0; n <= N; n++) {
      expect(acc.size).toBe(n);
      expect(acc.root().equals(rootHash(LEAVES_N.slice(0, n)))).toBe(true);
      expect(rootFromFrontier(acc.frontier, n).equals(acc.root())).toBe(true);
      expect(stored).toBe(2 * n - [...n.toString(2)].filter((c) => c === '1').length);
      // The frontier is exactly the nodes frontierNodeKeys names.
      const frontierNodes = frontierNodeKeys(n).map((k) => NODES_N.get(merkleNodeKey(k.level, k.index))!);
      expect(acc.frontier.map(hex)).toEqual(frontierNodes.map(hex));
      if (n < N) stored += acc.append(LEAVES_N[n]!).length;
    }
    expect(NODES_N.size).toBe(stored);
  });

  it('appendLeaf is the pure form of append, and a resumed accumulator carries on identically', () => {
    let state = { size: 0, frontier: [] as Buffer[] };
    const acc = new MerkleAccumulator();
    for (let i = 0; i < 100; i++) {
      const r = appendLeaf(state.frontier, state.size, LEAVES_N[i]!);
      expect(r.nodes).toEqual(acc.append(LEAVES_N[i]!));
      state = r;
      expect(r.frontier).toEqual(acc.frontier);
    }
    const resumed = new MerkleAccumulator(state.size, state.frontier);
    for (let i = 100; i < N; i++) resumed.append(LEAVES_N[i]!);
    expect(resumed.root().equals(rootHash(LEAVES_N))).toBe(true);
    expect(() => new MerkleAccumulator(3, [LEAVES_N[0]!])).toThrow(RangeError);
    expect(() => appendLeaf([], 1, LEAVES_N[0]!)).toThrow(RangeError);
    expect(() => new MerkleAccumulator().append(Buffer.alloc(31))).toThrow(RangeError);
  });

  it('property: for random n ≤ 300, index < n, m ≤ n, node proofs equal the direct ones, read O(log n) complete nodes and verify; any flipped bit fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: N }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        async (n, rawIndex, rawM, bit) => {
          const index = rawIndex % n;
          const m = rawM % (n + 1);
          const leaves = LEAVES_N.slice(0, n);
          const nodes = guardedMap(NODES_N, n);
          const root = rootHash(leaves);
          const oldRoot = rootHash(leaves.slice(0, m));
          expect(rootFromMap(n, nodes).equals(root)).toBe(true);
          expect(rootFromMap(m, nodes).equals(oldRoot)).toBe(true);

          const incl = inclusionProof(index, leaves);
          expect(inclusionProofFromMap(index, n, nodes)).toEqual(incl);
          const reads: string[] = [];
          const reader = (l: number, i: number) => {
            reads.push(merkleNodeKey(l, i));
            return Promise.resolve(nodes.get(merkleNodeKey(l, i))!);
          };
          expect(await inclusionProofFromNodes(index, n, reader)).toEqual(incl);
          expect(reads.length).toBeLessThanOrEqual(2 * bitLength(n));
          expect(new Set(reads).size).toBe(reads.length);
          expect(verifyInclusion(leaves[index]!, index, n, incl, root)).toBe(true);

          const cons = consistencyProof(m, leaves);
          expect(consistencyProofFromMap(m, n, nodes)).toEqual(cons);
          reads.length = 0;
          expect(await consistencyProofFromNodes(m, n, reader)).toEqual(cons);
          expect(reads.length).toBeLessThanOrEqual(2 * bitLength(n));
          expect(verifyConsistency(m, n, cons, oldRoot, root)).toBe(true);
          reads.length = 0;
          expect((await rootFromNodes(n, reader)).equals(root)).toBe(true);
          expect(reads.length).toBeLessThanOrEqual(bitLength(n));

          // Tampering: a flipped bit in the leaf, the root or any proof element fails.
          expect(verifyInclusion(flipBit(leaves[index]!, bit), index, n, incl, root)).toBe(false);
          expect(verifyInclusion(leaves[index]!, index, n, incl, flipBit(root, bit))).toBe(false);
          incl.forEach((_, j) => {
            const bad = incl.map((e, k) => (k === j ? flipBit(e, bit) : e));
            expect(verifyInclusion(leaves[index]!, index, n, bad, root)).toBe(false);
          });
          if (m > 0 && m < n) {
            expect(verifyConsistency(m, n, cons, flipBit(oldRoot, bit), root)).toBe(false);
            expect(verifyConsistency(m, n, cons, oldRoot, flipBit(root, bit))).toBe(false);
            cons.forEach((_, j) => {
              const bad = cons.map((e, k) => (k === j ? flipBit(e, bit) : e));
              expect(verifyConsistency(m, n, bad, oldRoot, root)).toBe(false);
            });
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('exhaustively for n ≤ 40: every index and every m agree with the direct form and verify', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = LEAVES_N.slice(0, n);
      const nodes = guardedMap(NODES_N, n);
      const root = rootHash(leaves);
      for (let i = 0; i < n; i++) {
        const p = inclusionProofFromMap(i, n, nodes);
        expect(p).toEqual(inclusionProof(i, leaves));
        expect(verifyInclusion(leaves[i]!, i, n, p, root)).toBe(true);
        // The proof is for this index only.
        if (n > 1) expect(verifyInclusion(leaves[i]!, (i + 1) % n, n, p, root)).toBe(false);
      }
      for (let m = 0; m <= n; m++) {
        const p = consistencyProofFromMap(m, n, nodes);
        expect(p).toEqual(consistencyProof(m, leaves));
        expect(verifyConsistency(m, n, p, rootHash(leaves.slice(0, m)), root)).toBe(true);
      }
    }
  });

  it('uses no 32-bit arithmetic: trees beyond 2^32 leaves (all leaves equal, so node (L, i) = z[L])', async () => {
    const z: Buffer[] = [leafHash(Buffer.from('same'))];
    for (let l = 1; l <= 45; l++) z.push(nodeHash(z[l - 1]!, z[l - 1]!));
    const reader = (level: number, index: number): Buffer => {
      expect(Number.isSafeInteger(index) && index >= 0).toBe(true);
      return z[level]!;
    };
    const n = 2 ** 41 + 2 ** 33 + 3;
    const m = 2 ** 40 + 5;
    const index = 2 ** 41 + 2 ** 32 + 1;
    const root = await rootFromNodes(n, reader);
    const incl = await inclusionProofFromNodes(index, n, reader);
    expect(verifyInclusion(z[0]!, index, n, incl, root)).toBe(true);
    const cons = await consistencyProofFromNodes(m, n, reader);
    expect(verifyConsistency(m, n, cons, await rootFromNodes(m, reader), root)).toBe(true);
    const keyCheck = (keys: MerkleNodeKey[], size: number) =>
      keys.every((k) => Number.isSafeInteger(k.index) && (k.index + 1) * 2 ** k.level <= size);
    expect(keyCheck(inclusionProofNodeKeys(index, n), n)).toBe(true);
    expect(keyCheck(consistencyProofNodeKeys(m, n), n)).toBe(true);
    expect(keyCheck(rootNodeKeys(n), n)).toBe(true);

    // The accumulator across 2^33: a full tree of 2^33 - 1 leaves plus one is the level-33 node.
    const size = 2 ** 33 - 1;
    const acc = new MerkleAccumulator(size, z.slice(0, 33).reverse());
    const created = acc.append(z[0]!);
    expect(created.map((c) => [c.level, c.index])).toEqual(
      Array.from({ length: 34 }, (_, l) => [l, Math.floor(size / 2 ** l)]),
    );
    expect(acc.root().equals(z[33]!)).toBe(true);
    expect(acc.frontier).toEqual([z[33]]);
  });
});
