import type { KeyObject } from 'node:crypto';
import { hashChain } from './canonical';
import {
  CHAIN_HEAD_EXTENSION,
  checkpointExtension,
  keyId,
  NoteFormatError,
  openNote,
  parseCheckpointBody,
  PREVIOUS_TREE_SIZE_EXTENSION,
  rawEd25519PublicKey,
  SIGNED_AT_EXTENSION,
  verifyNote,
} from './checkpoint-note';
import { MerkleAccumulator } from './merkle-accumulator';

/** The first place where a sealed log stops matching what was signed (or what it states of itself). */
export interface LedgerMismatch {
  /** The ledger sequence number (leaf index) from which the log can no longer be trusted. */
  readonly seq: number;
  /** The event's global position, when known. */
  readonly position: number | null;
  readonly reason: string;
}

export interface LedgerVerification {
  /** True when nothing failed. Events after the last checkpoint are checked, but no signature covers them. */
  readonly ok: boolean;
  /** Events re-hashed and found consistent up to the first mismatch (all of them when ok). */
  readonly verifiedEvents: number;
  /** Of those, the events covered by a checkpoint whose signature and root verified. */
  readonly signedEvents: number;
  /** Checkpoints whose signature, root and chain head verified. */
  readonly checkpoints: number;
  readonly firstMismatch?: LedgerMismatch;
}

/**
 * The reason given for a checkpoint signed by a key the verifier does not hold: exactly
 * `signed by unknown key <8 hex digits>: add it to AUDIT_PREVIOUS_PUBLIC_KEYS`.
 */
export function unknownKeyReason(keyIdHex: string): string {
  return `signed by unknown key ${keyIdHex}: add it to AUDIT_PREVIOUS_PUBLIC_KEYS`;
}

/** A signed checkpoint as stored or exported: the stated fields and the signed note they come from. */
export interface StatedCheckpoint {
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  readonly chainHead: Uint8Array;
  /** The note's `signed-at` line, when stated apart from the note. */
  readonly signedAt?: string;
  /** The 4-byte C2SP key id, when stated apart from the note. */
  readonly keyId?: Uint8Array;
  readonly note: string;
}

/**
 * Recomputes a sealed log, leaf by leaf in ledger order, and checks it against its signed
 * checkpoints: the running hash chain, the RFC 6962 Merkle root at every checkpoint, and each
 * checkpoint's Ed25519 signature with the key it names, which must be one of the public keys given
 * (the current one and those that signed before a rotation). A checkpoint signed by a key not
 * given is reported as such (`UNKNOWN_KEY_REASON`), apart from a signature or hash mismatch. Pure:
 * the callers (the database verifier, the offline export verifier) read and feed it. It stops at
 * the first mismatch; every later call returns false.
 */
export class LedgerVerifier {
  private readonly tree = new MerkleAccumulator();
  private chain: Buffer | null = null;
  private signedSize = 0;
  private checkpointCount = 0;
  private mismatch?: LedgerMismatch;
  /** The accepted keys by their hex C2SP key id. */
  private readonly keys = new Map<string, KeyObject>();

  /**
   * `keyName` is the signer's name, which is also the log's origin line: a C2SP verifier is a name
   * and a key, and a signature line under another name (even with the same key) is refused.
   * `publicKeys`: every key whose checkpoints are accepted (the current one and earlier ones).
   */
  constructor(
    publicKeys: KeyObject | readonly KeyObject[],
    private readonly keyName: string,
  ) {
    for (const key of Array.isArray(publicKeys) ? (publicKeys as readonly KeyObject[]) : [publicKeys as KeyObject]) {
      this.keys.set(keyId(keyName, rawEd25519PublicKey(key)).toString('hex'), key);
    }
    if (this.keys.size === 0) throw new TypeError('LedgerVerifier needs at least one public key');
  }

  /** Leaves fed so far (the seq the next leaf must have). */
  get size(): number {
    return this.tree.size;
  }

  get failed(): boolean {
    return this.mismatch !== undefined;
  }

  /** Stops the verification at `seq` with `reason` (a caller's own finding, e.g. a missing event). */
  fail(seq: number, position: number | null, reason: string): false {
    this.mismatch ??= { seq, position, reason };
    return false;
  }

  /**
   * The next leaf: `leaf` is recomputed from the event itself; `stated` is the leaf hash the ledger
   * or the export states for it and `statedChain` the chain value the ledger stores, when there is one.
   */
  leaf(seq: number, position: number | null, leaf: Buffer, stated?: Uint8Array, statedChain?: Uint8Array): boolean {
    if (this.mismatch !== undefined) return false;
    if (seq !== this.tree.size) {
      if (seq > this.tree.size) return this.fail(this.tree.size, null, `seq ${this.tree.size} is missing (the next one is seq ${seq})`);
      // A repeat: one of the two lines for `seq` is not genuine. When a verified checkpoint covers
      // the first one, it is this one (the log goes wrong here); otherwise it may be either.
      const at = seq < this.signedSize ? this.tree.size : seq;
      return this.fail(at, position, `seq ${seq} appears again after seq ${this.tree.size - 1}`);
    }
    if (stated !== undefined && !leaf.equals(stated)) {
      return this.fail(seq, position, 'the event does not hash to its leaf hash: it was changed after it was sealed');
    }
    const chain = hashChain(this.chain, leaf);
    if (statedChain !== undefined && !chain.equals(statedChain)) {
      return this.fail(seq, position, 'the stored chain hash does not follow from the leaves before it');
    }
    this.chain = chain;
    this.tree.append(leaf);
    return true;
  }

  /**
   * A checkpoint, fed right after the leaf that completes it (seq = treeSize - 1). Verifies the
   * note's signature, that the stated fields are the signed ones, and that the signed root and
   * chain head are those of the leaves fed so far.
   */
  checkpoint(checkpoint: StatedCheckpoint): boolean {
    if (this.mismatch !== undefined) return false;
    const firstUnsigned = this.signedSize;
    const failAt = (reason: string): false => this.fail(firstUnsigned, null, `checkpoint of tree size ${checkpoint.treeSize}: ${reason}`);
    if (checkpoint.treeSize !== this.tree.size) {
      return checkpoint.treeSize > this.tree.size
        ? this.fail(this.tree.size, null, `the log ends at seq ${this.tree.size - 1}, but a checkpoint of tree size ${checkpoint.treeSize} was signed`)
        : failAt(`out of place after seq ${this.tree.size - 1}`);
    }
    let opened;
    try {
      opened = openNote(checkpoint.note);
    } catch (error) {
      if (error instanceof NoteFormatError) return failAt(error.message);
      throw error;
    }
    // Exactly one signature under the log's name: this log has no witnesses, so any other line is a change.
    const [only, ...others] = opened.signatures;
    if (only === undefined || others.length > 0 || only.keyName !== this.keyName) {
      return failAt(`the note must carry exactly one signature, by ${this.keyName}`);
    }
    const signingKeyId = only.keyId.toString('hex');
    const publicKey = this.keys.get(signingKeyId);
    // Not a forgery as far as anyone can tell here: a key the verifier was not given (a rotation).
    if (publicKey === undefined) return this.fail(firstUnsigned, null, unknownKeyReason(signingKeyId));
    const note = verifyNote(checkpoint.note, this.keyName, publicKey);
    if (!note.valid) return failAt(note.reason ?? 'the signature does not verify');
    let signed;
    try {
      signed = parseCheckpointBody(note.body);
    } catch (error) {
      if (error instanceof NoteFormatError) return failAt(error.message);
      throw error;
    }
    const signedChainHead = checkpointExtension(signed, CHAIN_HEAD_EXTENSION);
    if (signed.origin !== this.keyName) return failAt(`the note is for the log ${JSON.stringify(signed.origin)}`);
    if (signed.treeSize !== checkpoint.treeSize) return failAt(`the signed note is for tree size ${signed.treeSize}`);
    if (!signed.rootHash.equals(checkpoint.rootHash)) return failAt('the stated root hash is not the signed one');
    if (signedChainHead === undefined || !Buffer.from(signedChainHead, 'base64').equals(checkpoint.chainHead)) {
      return failAt('the stated chain head is not the signed one');
    }
    if (checkpoint.signedAt !== undefined && checkpointExtension(signed, SIGNED_AT_EXTENSION) !== checkpoint.signedAt) {
      return failAt('the stated signing time is not the signed one');
    }
    // Checkpoints name the one before them (checkpoints signed before that line existed do not).
    const previous = checkpointExtension(signed, PREVIOUS_TREE_SIZE_EXTENSION);
    if (previous !== undefined) {
      if (!/^(0|[1-9][0-9]*)$/.test(previous)) return failAt('the checkpoint before it is not named by a tree size');
      if (Number(previous) !== this.signedSize) {
        // Pinpointed where the missing checkpoint belongs, when it is ahead of the last one seen.
        return this.fail(
          Number(previous) > this.signedSize && Number(previous) < checkpoint.treeSize ? Number(previous) : firstUnsigned,
          null,
          `checkpoint of tree size ${checkpoint.treeSize}: the checkpoint before it, of tree size ${previous}, is missing (the last one seen is of tree size ${this.signedSize})`,
        );
      }
    }
    if (checkpoint.keyId !== undefined && !only.keyId.equals(checkpoint.keyId)) {
      return failAt('the stated key id is not the signing key');
    }
    if (!signed.rootHash.equals(this.tree.root())) {
      return failAt(`the leaves from seq ${firstUnsigned} to ${checkpoint.treeSize - 1} do not hash to the signed root`);
    }
    if (!Buffer.from(signedChainHead, 'base64').equals(this.chain ?? Buffer.alloc(32))) {
      return failAt(`the leaves from seq ${firstUnsigned} to ${checkpoint.treeSize - 1} do not hash to the signed chain head`);
    }
    this.signedSize = checkpoint.treeSize;
    this.checkpointCount += 1;
    return true;
  }

  result(): LedgerVerification {
    const mismatch = this.mismatch;
    const verifiedEvents = mismatch === undefined ? this.tree.size : Math.min(mismatch.seq, this.tree.size);
    return {
      ok: mismatch === undefined,
      verifiedEvents,
      signedEvents: Math.min(this.signedSize, verifiedEvents),
      checkpoints: this.checkpointCount,
      ...(mismatch === undefined ? {} : { firstMismatch: mismatch }),
    };
  }
}
