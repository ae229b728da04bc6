import { hash } from 'node:crypto';
import { auditLeafRecord, canonicalJson, type AuditLeafSource } from './canonical';
import { HASH_SIZE } from './merkle-hash';

/**
 * The export's event line (docs/api.md, Audit), written so that its bytes are the leaf bytes:
 *
 *   {"seq":<seq>,"leafHash":"<64 hex>",<the JCS of the leaf record without its opening brace>
 *
 * It is an ordinary JSON object with the ten fields docs/api.md names; putting `seq` and `leafHash`
 * first and the leaf record after them in its RFC 8785 form means the line minus that prefix, with
 * `{` put back, IS `JCS(the line without seq and leafHash)`. A verifier then hashes bytes, never
 * re-serializes JSON: if those bytes hash to a signed leaf they are, byte for byte, the canonical
 * bytes that were sealed. Any other rendering of the same values (whitespace, key order, escapes)
 * is reported as not being the export's form rather than silently accepted.
 */
export function exportEventLine(seq: number, leafHashHex: string, event: AuditLeafSource): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`seq must be a non-negative safe integer, got ${seq}`);
  if (!HEX_HASH.test(leafHashHex)) throw new RangeError('leafHash must be 64 lowercase hex digits');
  return `{"seq":${seq},"leafHash":"${leafHashHex}",${canonicalJson(auditLeafRecord(event)).slice(1)}`;
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** A checkpoint as the export states it (hashes and key id in hex), as `GET /v1/audit/checkpoints` serves it. */
export interface ExportedCheckpoint {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly chainHead: string;
  readonly signedAt: string;
  readonly keyId: string;
  readonly note: string;
}

/**
 * The export's checkpoint line, `{"checkpoint":{treeSize,rootHash,chainHead,signedAt,keyId,note}}`
 * in that order, written after the event line with seq = treeSize - 1.
 */
export function exportCheckpointLine(checkpoint: ExportedCheckpoint): string {
  const { treeSize, rootHash, chainHead, signedAt, keyId, note } = checkpoint;
  return JSON.stringify({ checkpoint: { treeSize, rootHash, chainHead, signedAt, keyId, note } });
}

/** An event line taken apart without parsing its JSON: what the fast path of a verifier needs. */
export interface ExportEventLineParts {
  readonly seq: number;
  /** The leaf hash the line states. */
  readonly statedLeafHash: Buffer;
  /** SHA-256(0x00 ‖ the line's leaf bytes): the leaf hash the line's content has. */
  readonly leafHash: Buffer;
}

const PREFIX_SEQ = Buffer.from('{"seq":', 'latin1');
const PREFIX_LEAF = Buffer.from(',"leafHash":"', 'latin1');
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const MAX_SEQ_DIGITS = 15;

/**
 * Splits an event line in the export's form (see exportEventLine) into its seq, its stated leaf
 * hash and the hash of its leaf bytes, hashing the bytes in place (one copy into `scratch` when it
 * is large enough). Returns undefined when the line is not in that form; the caller decides what
 * else it may be (a checkpoint line) and reports it otherwise.
 */
export function splitExportEventLine(line: Uint8Array, scratch?: Buffer): ExportEventLineParts | undefined {
  if (!startsWith(line, PREFIX_SEQ, 0)) return undefined;
  let i = PREFIX_SEQ.length;
  const digitsStart = i;
  let seq = 0;
  for (let c = line[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = line[++i]) seq = seq * 10 + (c - 0x30);
  const digits = i - digitsStart;
  if (digits === 0 || digits > MAX_SEQ_DIGITS || (digits > 1 && line[digitsStart] === 0x30)) return undefined;
  if (!startsWith(line, PREFIX_LEAF, i)) return undefined;
  i += PREFIX_LEAF.length;
  // The stated leaf hash: 64 lowercase hex digits, decoded as they are checked.
  const statedLeafHash = Buffer.allocUnsafe(HASH_SIZE);
  for (let k = 0; k < HASH_SIZE; k++, i += 2) {
    const high = HEX_VALUE[line[i] ?? 0] ?? NOT_HEX;
    const low = HEX_VALUE[line[i + 1] ?? 0] ?? NOT_HEX;
    if (high === NOT_HEX || low === NOT_HEX) return undefined;
    statedLeafHash[k] = (high << 4) | low;
  }
  if (line[i] !== QUOTE || line[i + 1] !== COMMA) return undefined;
  const recordStart = i + 2; // the first member of the leaf record, after which `{` was cut
  if (recordStart >= line.length) return undefined;

  // SHA-256(0x00 ‖ '{' ‖ rest of the line)
  const size = 2 + line.length - recordStart;
  const input = scratch !== undefined && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
  input[0] = 0x00;
  input[1] = OPEN_BRACE;
  input.set(line.subarray(recordStart), 2);
  return { seq, statedLeafHash, leafHash: hash('sha256', input, 'buffer') };
}

const NOT_HEX = 0xff;
/** Byte → its value as a lowercase hex digit, NOT_HEX for any other byte. */
const HEX_VALUE = (() => {
  const table = new Uint8Array(256).fill(NOT_HEX);
  for (let d = 0; d < 10; d++) table[0x30 + d] = d;
  for (let d = 0; d < 6; d++) table[0x61 + d] = 10 + d;
  return table;
})();

function startsWith(line: Uint8Array, prefix: Buffer, at: number): boolean {
  if (line.length < at + prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (line[at + k] !== prefix[k]) return false;
  return true;
}
