import { hash } from 'node:crypto';

/*
 * RFC 6962 / RFC 9162 hashing (SHA-256): the leaf and interior-node hashes every other Merkle
 * module builds on (proofs in merkle-proofs.ts, node addressing in merkle-node-keys.ts, the
 * accumulator in merkle-accumulator.ts).
 *
 * One-shot `crypto.hash` (Node ≥ 20.12) over one buffer: measurably faster than
 * createHash().update()….digest() for these short inputs, which the sealer and verifier hash
 * three of per event.
 */

/** Bytes in a SHA-256 hash: every leaf hash, node hash and proof element. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

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
