export * from './canonical';
export * from './checkpoint-note';
export * from './merkle-hash';
export * from './merkle-proofs';
// Named: these two also export the proof plans and the frontier fold, which only merkle-proofs.ts uses.
export { consistencyProofNodeKeys, frontierNodeKeys, inclusionProofNodeKeys, merkleNodeKey, rootNodeKeys } from './merkle-node-keys';
export type { MerkleNode, MerkleNodeKey, MerkleNodeMap, MerkleNodeReader } from './merkle-node-keys';
export { lowestHeldLevel, MerkleUpperLevels, MerkleUpperLevelsMismatch, type MerkleLevelRange } from './merkle-upper-levels';
export { appendLeaf, MerkleAccumulator, rootFromFrontier, type MerkleAppend } from './merkle-accumulator';
export * from './export-line';
export * from './export-verifier';
export * from './ledger-verifier';
export * from './receipt-note';
