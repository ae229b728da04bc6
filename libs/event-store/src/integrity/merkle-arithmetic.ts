import { HASH_SIZE } from './merkle-hash';

/*
 * The tree arithmetic and argument checks the Merkle modules share; internal to the integrity
 * folder (not re-exported by its index).
 *
 * Sizes and indexes are JavaScript numbers (safe integers up to 2^53 - 1); no 32-bit bit
 * operations are used on them.
 */

/** The largest power of two strictly less than n, for n ≥ 2. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

export function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = half(x)) if (isOdd(x)) c += 1;
  return c;
}

export function isOdd(x: number): boolean {
  return x % 2 === 1;
}

export function half(x: number): number {
  return Math.floor(x / 2);
}

export function isSize(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

export function isHash(h: Uint8Array): boolean {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

export function assertSize(name: string, x: number): void {
  if (!isSize(x)) throw new RangeError(`${name} must be a non-negative safe integer, got ${x}`);
}

export function assertIndex(name: string, index: number, size: number): void {
  assertSize(name, index);
  assertSize('tree size', size);
  if (index >= size) throw new RangeError(`${name} ${index} is outside a tree of ${size} leaves`);
}
