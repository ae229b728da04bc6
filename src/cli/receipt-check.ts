import type { KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  inclusionProof,
  NoteFormatError,
  parseReceiptBody,
  rootHash,
  splitExportEventLine,
  verifyInclusion,
  verifyNote,
  type LogSigner,
  type ReceiptFields,
} from '@app/event-store';
import { RECEIPT_ORIGIN } from '../audit/receipts/filing-receipts';

/** What checking a receipt against an export found. */
export interface ReceiptCheck {
  readonly ok: boolean;
  readonly reason?: string;
  readonly receipt?: ReceiptFields;
  /** The inclusion proof of the receipt's leaf in the largest signed checkpoint of the export that covers it. */
  readonly proof?: { readonly seq: number; readonly treeSize: number; readonly leafHash: string; readonly rootHash: string; readonly auditPath: string[] };
}

/**
 * A receipt (the note itself, or its base64 as the `Receipt` header carries it) against an export
 * already verified: the note is signed by the audit key, names an AidRequestFiled event that the
 * export holds at that position with that leaf hash and time, and that leaf is in a signed
 * checkpoint (the RFC 9162 inclusion proof is computed from the export's leaves and verified
 * against the checkpoint's root).
 */
export async function checkReceipt(receiptText: string, exportFile: string, signer: LogSigner): Promise<ReceiptCheck> {
  const note = receiptText.includes('\n') ? receiptText : Buffer.from(receiptText.trim(), 'base64').toString('utf8');
  // A receipt is signed by the key that was current at filing: any listed key (current or previous) may verify it.
  const keys = Array.isArray(signer.publicKey) ? (signer.publicKey as readonly KeyObject[]) : [signer.publicKey as KeyObject];
  const verified = keys.map((key) => verifyNote(note, signer.keyName, key)).find((result) => result.valid) ?? verifyNote(note, signer.keyName, keys[0]!);
  if (!verified.valid) return { ok: false, reason: `the receipt's signature does not verify: ${verified.reason ?? 'invalid'}` };
  let receipt: ReceiptFields;
  try {
    receipt = parseReceiptBody(verified.body);
  } catch (error) {
    if (error instanceof NoteFormatError) return { ok: false, reason: `not a receipt: ${error.message}` };
    throw error;
  }
  if (receipt.origin !== RECEIPT_ORIGIN) return { ok: false, reason: `not a filing receipt (origin ${receipt.origin})`, receipt };

  const leaves: Buffer[] = [];
  const checkpoints: { treeSize: number; rootHash: string }[] = [];
  let found: { seq: number; line: Record<string, unknown> } | undefined;
  const lines = createInterface({ input: createReadStream(exportFile, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const bytes = Buffer.from(line, 'utf8');
    const parts = splitExportEventLine(bytes);
    if (parts !== undefined) {
      leaves[parts.seq] = parts.leafHash;
      if (found === undefined && parts.leafHash.toString('hex') === receipt.leafHash) found = { seq: parts.seq, line: JSON.parse(line) as Record<string, unknown> };
      continue;
    }
    const parsed = JSON.parse(line) as { checkpoint?: { treeSize: number; rootHash: string } };
    if (parsed.checkpoint !== undefined) checkpoints.push({ treeSize: parsed.checkpoint.treeSize, rootHash: parsed.checkpoint.rootHash });
  }
  if (found === undefined) return { ok: false, reason: `the export holds no event with leaf hash ${receipt.leafHash}`, receipt };
  const { seq, line } = found;
  const expected = { position: receipt.position, streamId: `aid-request-${receipt.subject}`, type: 'AidRequestFiled', recordedAt: receipt.recordedAt };
  for (const [field, value] of Object.entries(expected)) {
    if (line[field] !== value) return { ok: false, reason: `the event with that leaf hash has ${field} ${JSON.stringify(line[field])}, the receipt says ${JSON.stringify(value)}`, receipt };
  }
  const checkpoint = checkpoints.filter((c) => c.treeSize > seq).sort((a, b) => b.treeSize - a.treeSize)[0];
  if (checkpoint === undefined) return { ok: false, reason: `the event (seq ${seq}) is in the export but no checkpoint in it covers it yet`, receipt };
  const tree = leaves.slice(0, checkpoint.treeSize);
  const path = inclusionProof(seq, tree);
  const root = rootHash(tree);
  if (root.toString('hex') !== checkpoint.rootHash || !verifyInclusion(Buffer.from(receipt.leafHash, 'hex'), seq, checkpoint.treeSize, path, root)) {
    return { ok: false, reason: `the inclusion proof of seq ${seq} does not verify against the checkpoint of size ${checkpoint.treeSize}`, receipt };
  }
  return {
    ok: true,
    receipt,
    proof: { seq, treeSize: checkpoint.treeSize, leafHash: receipt.leafHash, rootHash: checkpoint.rootHash, auditPath: path.map((p) => p.toString('hex')) },
  };
}

export function describeReceipt(check: ReceiptCheck): string {
  if (!check.ok || check.proof === undefined) return `RECEIPT FAILED: ${check.reason ?? 'unknown'}.`;
  const { receipt, proof } = check;
  return [
    `RECEIPT OK: request ${receipt!.subject} filed at position ${receipt!.position}, recorded ${receipt!.recordedAt}, signed by the audit key.`,
    `Inclusion proof (RFC 9162) of leaf ${proof.leafHash} at seq ${proof.seq} in the signed checkpoint of size ${proof.treeSize} (root ${proof.rootHash}):`,
    ...(proof.auditPath.length === 0 ? ['  (empty: the tree is this one leaf)'] : proof.auditPath.map((hash, i) => `  ${i}: ${hash}`)),
  ].join('\n');
}
