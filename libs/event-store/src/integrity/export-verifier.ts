import type { KeyObject } from 'node:crypto';
import { exportCheckpointLine, splitExportEventLine, type ExportedCheckpoint } from './export-line';
import { LedgerVerifier, type LedgerMismatch, type LedgerVerification, type StatedCheckpoint } from './ledger-verifier';

export interface ExportMismatch extends LedgerMismatch {
  /** The 1-based line of the export where it was found (0 when it is about the export as a whole). */
  readonly line: number;
}

export interface ExportVerification extends Omit<LedgerVerification, 'firstMismatch'> {
  readonly firstMismatch?: ExportMismatch;
}

/**
 * Who signs the log: its Ed25519 public key, or every key that has signed it (rotations), and its
 * key name (which is also the log's origin).
 */
export interface LogSigner {
  readonly publicKey: KeyObject | readonly KeyObject[];
  readonly keyName: string;
}

export interface ExportVerifyOptions {
  /**
   * The tree size of a checkpoint the auditor already holds (e.g. the latest one published): the
   * export must contain that checkpoint. Without it, an export cut short after one of its
   * checkpoints cannot be told from a complete older one.
   */
  readonly treeSize?: number;
}

const NEWLINE = 0x0a;

/** The longest line accepted: far above any event the API can record, and a bound on memory. */
export const MAX_EXPORT_LINE_BYTES = 16 * 1024 * 1024;
const CHECKPOINT_PREFIX = Buffer.from('{"checkpoint":', 'latin1');

/**
 * Verifies an audit export (NDJSON as `GET /v1/audit/export` writes it) offline, with the public
 * key alone: every event line must hash to its stated leaf hash and come in seq order, and every
 * checkpoint line must be signed by the key and have the root and chain head of the lines before
 * it; the last line must be complete. Reads `chunks` (e.g. a file stream) in constant memory
 * (lines longer than MAX_EXPORT_LINE_BYTES are refused), hashing each event line's bytes as they
 * are (see exportEventLine): JSON is parsed only for checkpoint lines and to describe a mismatch.
 * Stops at the first mismatch.
 */
export async function verifyExport(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  signer: LogSigner,
  options: ExportVerifyOptions = {},
): Promise<ExportVerification> {
  const verifier = new LedgerVerifier(signer.publicKey, signer.keyName);
  const scratch = Buffer.allocUnsafe(64 * 1024);
  let lineNumber = 0;
  let failedLine = 0;
  let sawTreeSize = false;
  // The start of a line that continues in the next chunk, in pieces (copied: a stream may reuse its chunks).
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const onLine = (line: Buffer): boolean => {
    lineNumber += 1;
    const ok = line.length > MAX_EXPORT_LINE_BYTES ? verifier.fail(verifier.size, null, `a line longer than ${MAX_EXPORT_LINE_BYTES} bytes`) : verifyLine(line);
    if (!ok) failedLine = lineNumber;
    return ok;
  };

  const verifyLine = (line: Buffer): boolean => {
    const parts = splitExportEventLine(line, scratch);
    if (parts !== undefined) {
      const fine = parts.seq === verifier.size && parts.leafHash.equals(parts.statedLeafHash);
      // Parsing the line only to name the event in the report.
      return verifier.leaf(parts.seq, fine ? null : statedPosition(line), parts.leafHash, parts.statedLeafHash);
    }
    if (startsWith(line, CHECKPOINT_PREFIX)) {
      const checkpoint = parseCheckpointLine(line);
      if (checkpoint === undefined) return verifier.fail(verifier.size, null, 'a checkpoint line that is not in the export form');
      const ok = verifier.checkpoint(checkpoint);
      if (ok && checkpoint.treeSize === options.treeSize) sawTreeSize = true;
      return ok;
    }
    return verifier.fail(verifier.size, statedPosition(line), 'a line that is neither an event nor a checkpoint in the export form');
  };

  for await (const chunk of chunks) {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let end = buffer.indexOf(NEWLINE);
    if (pending.length > 0 && end >= 0) {
      const line = Buffer.concat([...pending, buffer.subarray(0, end)], pendingBytes + end);
      pending = [];
      pendingBytes = 0;
      if (!onLine(line)) return report(verifier.result(), failedLine);
      start = end + 1;
      end = buffer.indexOf(NEWLINE, start);
    }
    while (end >= 0) {
      if (!onLine(buffer.subarray(start, end))) return report(verifier.result(), failedLine);
      start = end + 1;
      end = buffer.indexOf(NEWLINE, start);
    }
    if (start < buffer.length) {
      pending.push(Buffer.from(buffer.subarray(start)));
      pendingBytes += buffer.length - start;
      if (pendingBytes > MAX_EXPORT_LINE_BYTES) {
        verifier.fail(verifier.size, null, `a line longer than ${MAX_EXPORT_LINE_BYTES} bytes`);
        return report(verifier.result(), lineNumber + 1);
      }
    }
  }
  if (pending.length > 0) {
    // Every line the export writes ends in a newline: this one was cut short.
    lineNumber += 1;
    verifier.fail(verifier.size, null, 'the export ends in the middle of a line (cut short?)');
    return report(verifier.result(), lineNumber);
  }

  if (options.treeSize !== undefined && !sawTreeSize) {
    verifier.fail(Math.min(verifier.size, options.treeSize), null, `the export has no valid checkpoint of tree size ${options.treeSize}`);
  }
  return report(verifier.result(), 0);
}

function report(result: LedgerVerification, line: number): ExportVerification {
  const { firstMismatch, ...rest } = result;
  return firstMismatch === undefined ? rest : { ...rest, firstMismatch: { ...firstMismatch, line } };
}

/** A checkpoint line exactly as the export writes it (exportCheckpointLine), or undefined. */
function parseCheckpointLine(line: Buffer): StatedCheckpoint | undefined {
  const text = line.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const c = (parsed as { checkpoint?: Partial<Record<keyof ExportedCheckpoint, unknown>> }).checkpoint;
  if (typeof c !== 'object' || c === null) return undefined;
  const { treeSize, rootHash, chainHead, signedAt, keyId, note } = c;
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 0) return undefined;
  if (typeof rootHash !== 'string' || typeof chainHead !== 'string' || typeof keyId !== 'string') return undefined;
  if (typeof signedAt !== 'string' || typeof note !== 'string') return undefined;
  if (!/^[0-9a-f]{64}$/.test(rootHash) || !/^[0-9a-f]{64}$/.test(chainHead) || !/^[0-9a-f]{8}$/.test(keyId)) return undefined;
  // Byte for byte the export's form: nothing added, dropped, reordered or re-spaced.
  if (!Buffer.from(exportCheckpointLine({ treeSize, rootHash, chainHead, signedAt, keyId, note }), 'utf8').equals(line)) return undefined;
  return { treeSize, rootHash: Buffer.from(rootHash, 'hex'), chainHead: Buffer.from(chainHead, 'hex'), signedAt, keyId: Buffer.from(keyId, 'hex'), note };
}

/** The `position` the line states, if it is JSON with one. */
function statedPosition(line: Buffer): number | null {
  try {
    const parsed: unknown = JSON.parse(line.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { position } = parsed as { position?: unknown };
    return typeof position === 'number' && Number.isSafeInteger(position) ? position : null;
  } catch {
    return null;
  }
}

function startsWith(line: Buffer, prefix: Buffer): boolean {
  return line.length >= prefix.length && line.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
