import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { HASH_SIZE } from './merkle-hash';

/*
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures, and C2SP transparency
 * log checkpoints (https://c2sp.org/tlog-checkpoint) as their text. Interoperable with
 * golang.org/x/mod/sumdb/note and the transparency-dev tooling (checked in the tests against the
 * Go package's own published note).
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n[<extension line>\n …]    ← the note text (body)
 *   \n                                                                      ← blank line
 *   — <key name> <base64(4-byte key id ‖ 64-byte Ed25519 signature of the body)>\n
 *
 * key id = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte Ed25519 public key)[:4]
 */

/** A note or checkpoint that does not follow the format (thrown by the parse/build functions). */
export class NoteFormatError extends Error {
  override readonly name = 'NoteFormatError';
}

/** The signature type byte C2SP assigns to Ed25519. */
export const ED25519_SIGNATURE_TYPE = 0x01;
const ED25519_PUBLIC_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const KEY_ID_SIZE = 4;
/** Go's note.Open refuses more; the spec asks verifiers to accept at least 16. */
const MAX_SIGNATURES = 100;
const EM_DASH_SPACE = '\u2014 ';

export interface CheckpointFields {
  /** The log's identity, e.g. `cdt-fund.example/audit`; non-empty, one line. */
  readonly origin: string;
  /** Number of leaves. */
  readonly treeSize: number;
  /** RFC 6962 root hash of the first `treeSize` leaves (32 bytes). */
  readonly rootHash: Uint8Array;
  /** Optional extension lines, each non-empty (C2SP: NOT RECOMMENDED, not auditable by monitors). */
  readonly extensions?: readonly string[];
}

export interface ParsedCheckpoint {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly extensions: string[];
}

/** `<origin>\n<treeSize>\n<base64 root>\n` plus one line per extension, each ending in `\n`. */
export function checkpointBody(fields: CheckpointFields): string {
  const { origin, treeSize, rootHash } = fields;
  const extensions = fields.extensions ?? [];
  checkLine('origin', origin);
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new NoteFormatError(`checkpoint tree size must be a non-negative safe integer, got ${treeSize}`);
  }
  if (rootHash.length !== HASH_SIZE) throw new NoteFormatError(`checkpoint root hash must be ${HASH_SIZE} bytes`);
  extensions.forEach((line, i) => checkLine(`extension line ${i + 1}`, line));
  const lines = [origin, String(treeSize), Buffer.from(rootHash).toString('base64'), ...extensions];
  return lines.map((line) => `${line}\n`).join('');
}

/** Parses a checkpoint body (the note text, not the whole note). Throws `NoteFormatError`. */
export function parseCheckpointBody(body: string): ParsedCheckpoint {
  if (!body.endsWith('\n')) throw new NoteFormatError('checkpoint must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteFormatError('checkpoint needs origin, tree size and root hash lines');
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine('origin', origin);
  if (!/^(0|[1-9][0-9]*)$/.test(size)) throw new NoteFormatError(`checkpoint tree size is not canonical decimal: ${size}`);
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw new NoteFormatError(`checkpoint tree size is too large: ${size}`);
  const rootHash = strictBase64(root);
  if (rootHash === null || rootHash.length !== HASH_SIZE) {
    throw new NoteFormatError('checkpoint root hash is not the base64 of 32 bytes');
  }
  extensions.forEach((line, i) => checkLine(`extension line ${i + 1}`, line));
  return { origin, treeSize, rootHash, extensions };
}

/** The raw 32-byte Ed25519 public key (RFC 8032 encoding) of a public or private KeyObject. */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`expected an Ed25519 key, got ${publicKey.asymmetricKeyType ?? publicKey.type}`);
  }
  const { x } = publicKey.export({ format: 'jwk' });
  const raw = Buffer.from(x ?? '', 'base64url');
  if (raw.length !== ED25519_PUBLIC_KEY_SIZE) throw new TypeError('Ed25519 public key is not 32 bytes');
  return raw;
}

/** The public KeyObject of a raw 32-byte Ed25519 public key. */
export function ed25519PublicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== ED25519_PUBLIC_KEY_SIZE) throw new TypeError('Ed25519 public key must be 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** C2SP key id: SHA-256(keyName ‖ 0x0A ‖ 0x01 ‖ raw Ed25519 public key)[:4]. */
export function keyId(keyName: string, rawPublicKey: Uint8Array): Buffer {
  checkKeyName(keyName);
  if (rawPublicKey.length !== ED25519_PUBLIC_KEY_SIZE) throw new TypeError('Ed25519 public key must be 32 bytes');
  return createHash('sha256')
    .update(keyName, 'utf8')
    .update(Buffer.from([0x0a, ED25519_SIGNATURE_TYPE]))
    .update(rawPublicKey)
    .digest()
    .subarray(0, KEY_ID_SIZE);
}

/**
 * The verifier key string of golang.org/x/mod/sumdb/note and the transparency-dev tools:
 * `<name>+<8 hex digits of the key id>+<base64(0x01 ‖ raw public key)>`.
 */
export function verifierKey(keyName: string, publicKey: KeyObject): string {
  const raw = rawEd25519PublicKey(publicKey);
  const id = keyId(keyName, raw).toString('hex');
  return `${keyName}+${id}+${Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), raw]).toString('base64')}`;
}

/**
 * The key id of a signing key under a name, derived once per key object and name: deriving the
 * public key (a scalar multiplication and a JWK export) cost a quarter as much again as the
 * signature on the filing path, and hashing it a tenth, where every receipt is signed with the same
 * key and name. KeyObjects are immutable, so the cache cannot go stale; a rotated key is a new object.
 */
const signingKeyIds = new WeakMap<KeyObject, Map<string, Buffer>>();

function keyIdOfSigningKey(keyName: string, privateKey: KeyObject): Buffer {
  let byName = signingKeyIds.get(privateKey);
  if (byName === undefined) {
    byName = new Map();
    signingKeyIds.set(privateKey, byName);
  }
  let id = byName.get(keyName);
  if (id === undefined) {
    id = keyId(keyName, rawEd25519PublicKey(privateKey));
    byName.set(keyName, id);
  }
  return id;
}

/**
 * Signs `body` (the note text: non-empty, ending in a newline) with an Ed25519 private key:
 * `body + "\n" + "— <keyName> <base64(key id ‖ signature)>\n"`.
 */
export function signNote(body: string, keyName: string, privateKey: KeyObject): string {
  checkKeyName(keyName);
  checkNoteText(body);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('signNote needs an Ed25519 private key');
  }
  const id = keyIdOfSigningKey(keyName, privateKey);
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  return `${body}\n${EM_DASH_SPACE}${keyName} ${Buffer.concat([id, signature]).toString('base64')}\n`;
}

/** The audit ledger's checkpoint: the C2SP fields plus its hash chain head and signing time. */
export interface LedgerCheckpointFields {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  /** The running hash chain's value after leaf treeSize - 1 (32 zero bytes for the empty log). */
  readonly chainHead: Uint8Array;
  readonly signedAt: Date;
  /** The tree size of the checkpoint signed before this one (0 for the first): checkpoints form a chain. */
  readonly previousTreeSize: number;
}

/**
 * Extension lines of a ledger checkpoint: `chain-head <base64>`, `signed-at <ISO-8601>` and
 * `previous-tree-size <N>` (so that a checkpoint dropped from an export or the store is noticed).
 */
export const CHAIN_HEAD_EXTENSION = 'chain-head';
export const SIGNED_AT_EXTENSION = 'signed-at';
export const PREVIOUS_TREE_SIZE_EXTENSION = 'previous-tree-size';

/** Signs a ledger checkpoint as a C2SP signed note, its chain head and time as extension lines. */
export function signLedgerCheckpoint(fields: LedgerCheckpointFields, keyName: string, privateKey: KeyObject): string {
  const body = checkpointBody({
    origin: fields.origin,
    treeSize: fields.treeSize,
    rootHash: fields.rootHash,
    extensions: [
      `${CHAIN_HEAD_EXTENSION} ${Buffer.from(fields.chainHead).toString('base64')}`,
      `${SIGNED_AT_EXTENSION} ${fields.signedAt.toISOString()}`,
      `${PREVIOUS_TREE_SIZE_EXTENSION} ${fields.previousTreeSize}`,
    ],
  });
  return signNote(body, keyName, privateKey);
}

/** The value of the extension line `<name> <value>` of a parsed checkpoint, if present. */
export function checkpointExtension(checkpoint: ParsedCheckpoint, name: string): string | undefined {
  const line = checkpoint.extensions.find((l) => l.startsWith(`${name} `));
  return line?.slice(name.length + 1);
}

/** One signature line of a note, decoded. */
export interface NoteSignature {
  readonly keyName: string;
  /** The 4-byte key id. */
  readonly keyId: Buffer;
  /** The signature proper (64 bytes for Ed25519). */
  readonly signature: Buffer;
}

export interface OpenedNote {
  /** The note text, including its final newline, excluding the blank separator line. */
  readonly body: string;
  readonly signatures: NoteSignature[];
}

/**
 * Splits a signed note into its text and decoded signature lines, checking the format only (no
 * signature is verified). The text ends at the LAST blank line. Throws `NoteFormatError`.
 */
export function openNote(note: string): OpenedNote {
  checkCharacters('note', note);
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteFormatError('note has no blank line before its signatures');
  const body = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw new NoteFormatError('note signatures must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteFormatError(`note has more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(EM_DASH_SPACE)) throw new NoteFormatError('note signature line must start with "— "');
    const rest = line.slice(EM_DASH_SPACE.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw new NoteFormatError('note signature line has no signature');
    const keyName = rest.slice(0, space);
    checkKeyName(keyName);
    const decoded = strictBase64(rest.slice(space + 1));
    if (decoded === null || decoded.length <= KEY_ID_SIZE) {
      throw new NoteFormatError('note signature is not base64 of a key id and a signature');
    }
    return { keyName, keyId: decoded.subarray(0, KEY_ID_SIZE), signature: decoded.subarray(KEY_ID_SIZE) };
  });
  return { body, signatures };
}

export interface NoteVerification {
  /** The note text ('' when the note could not be parsed). Trust it only when `valid`. */
  readonly body: string;
  readonly valid: boolean;
  /** Why it is not valid. */
  readonly reason?: string;
}

/**
 * Verifies a signed note against one Ed25519 key named `keyName`. Per the C2SP spec, signatures by
 * other keys (other name or key id) are ignored; the note is valid when at least one signature by
 * this key is present and every signature by this key verifies over the note text. Never throws
 * on a bad note (only on a key that is not Ed25519).
 */
export function verifyNote(note: string, keyName: string, publicKey: KeyObject): NoteVerification {
  const id = keyId(keyName, rawEd25519PublicKey(publicKey));
  let opened: OpenedNote;
  try {
    opened = openNote(note);
  } catch (error) {
    if (error instanceof NoteFormatError) return { body: '', valid: false, reason: error.message };
    throw error;
  }
  const { body } = opened;
  const ours = opened.signatures.filter((s) => s.keyName === keyName && s.keyId.equals(id));
  if (ours.length === 0) return { body, valid: false, reason: `no signature by key ${keyName}+${id.toString('hex')}` };
  const text = Buffer.from(body, 'utf8');
  for (const s of ours) {
    if (s.signature.length !== ED25519_SIGNATURE_SIZE || !verify(null, text, publicKey, s.signature)) {
      return { body, valid: false, reason: `invalid signature by key ${keyName}+${id.toString('hex')}` };
    }
  }
  return { body, valid: true };
}

function checkKeyName(keyName: string): void {
  if (keyName === '' || /[\s+]/u.test(keyName)) {
    throw new NoteFormatError(`key name must be non-empty, without spaces or "+": ${JSON.stringify(keyName)}`);
  }
  checkCharacters('key name', keyName);
}

function checkNoteText(body: string): void {
  if (body === '' || !body.endsWith('\n')) throw new NoteFormatError('note text must be non-empty and end with a newline');
  checkCharacters('note text', body);
}

/** A non-empty line of a checkpoint: no newline, no control characters. */
function checkLine(what: string, line: string): void {
  if (line === '') throw new NoteFormatError(`checkpoint ${what} must not be empty`);
  if (line.includes('\n')) throw new NoteFormatError(`checkpoint ${what} must be one line`);
  checkCharacters(`checkpoint ${what}`, line);
}

/** Valid UTF-8 (no lone surrogates) and no ASCII control characters other than newline. */
function checkCharacters(what: string, text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new NoteFormatError(`${what} contains a control character`);
  }
  if (/\p{Cs}/u.test(text)) throw new NoteFormatError(`${what} is not valid Unicode (lone surrogate)`);
}

/** Standard padded base64 (RFC 4648 §4), rejecting anything Node's lenient decoder would accept. */
function strictBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
