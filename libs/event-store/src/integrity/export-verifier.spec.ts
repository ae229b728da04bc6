import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fileMutation } from '@app/testing';
import fc from 'fast-check';
import { auditLeafHash, hashChain, type AuditLeafSource } from './canonical';
import { checkpointBody, keyId, rawEd25519PublicKey, signLedgerCheckpoint, signNote } from './checkpoint-note';
import { exportCheckpointLine, exportEventLine, splitExportEventLine } from './export-line';
import { MAX_EXPORT_LINE_BYTES, verifyExport, type ExportVerification } from './export-verifier';
import { MerkleAccumulator } from './merkle-accumulator';

const KEY_NAME = 'cdt-fund/audit-log';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function event(i: number): AuditLeafSource {
  return {
    // Commit order is not position order.
    position: i % 3 === 1 ? 1000 + i + 1 : i % 3 === 2 ? 1000 + i - 1 : 1000 + i,
    streamId: `aid-request-${Math.floor(i / 4)}`,
    version: (i % 4) + 1,
    type: i % 4 === 0 ? 'AidRequestFiled' : 'AidRequestTriaged',
    schemaVersion: 1,
    data: { title: `Ransomware ${i} — ñandú 🛡️ "quoted"`, amountRequested: `${2500000 + i}`, nested: { z: 1, a: [i, 0.5, null, true], '10': 'x', '9': 'y' } },
    metadata: { actor: { sub: 'cr-csirt', role: 'partner', country: 'CR' }, correlationId: `c-${i}` },
    recordedAt: new Date(Date.UTC(2026, 10, 27, 8, 0, i)).toISOString(),
  };
}

/** An export as the API writes it: `n` events, a checkpoint after every `every` and, unless `tail`, after the last. */
interface ExportOptions {
  every?: number;
  signer?: KeyObject;
  tail?: boolean;
  /** The signature line's key name and the origin (default KEY_NAME). */
  keyName?: string;
  origin?: string;
  /** Notes as signed before they named the previous checkpoint. */
  legacy?: boolean;
  /** The key that signs the checkpoint of each tree size (default `signer`): a rotation. */
  signerAt?: (treeSize: number) => KeyObject;
}

function sealedExport(n: number, options: ExportOptions = {}): string[] {
  const every = options.every ?? 10;
  const tree = new MerkleAccumulator();
  let chain: Buffer | null = null;
  let previousTreeSize = 0;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = event(i);
    const leaf = auditLeafHash(e);
    chain = hashChain(chain, leaf);
    tree.append(leaf);
    lines.push(exportEventLine(i, leaf.toString('hex'), e));
    const size = i + 1;
    if (size % every === 0 || (size === n && options.tail !== true)) {
      const signedAt = new Date(Date.UTC(2026, 10, 27, 9, 0, size));
      const rootHash = tree.root();
      const origin = options.origin ?? KEY_NAME;
      const keyName = options.keyName ?? KEY_NAME;
      const signer = options.signerAt?.(size) ?? options.signer ?? privateKey;
      const note =
        options.legacy === true
          ? signNote(
              checkpointBody({ origin, treeSize: size, rootHash, extensions: [`chain-head ${chain.toString('base64')}`, `signed-at ${signedAt.toISOString()}`] }),
              keyName,
              signer,
            )
          : signLedgerCheckpoint({ origin, treeSize: size, rootHash, chainHead: chain, signedAt, previousTreeSize }, keyName, signer);
      lines.push(
        exportCheckpointLine({
          treeSize: size,
          rootHash: rootHash.toString('hex'),
          chainHead: chain.toString('hex'),
          signedAt: signedAt.toISOString(),
          keyId: keyId(options.keyName ?? KEY_NAME, rawEd25519PublicKey(options.signerAt === undefined ? publicKey : signer)).toString('hex'),
          note,
        }),
      );
      previousTreeSize = size;
    }
  }
  return lines;
}

const text = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');

/** 30 events whose checkpoints of tree sizes 10 and 20 were signed by `old`, and 30 by the current key. */
const rotatedExport = (old: KeyObject): string => text(sealedExport(30, { every: 10, signerAt: (size) => (size <= 20 ? old : privateKey) }));

const SIGNER = { publicKey, keyName: KEY_NAME };

function verify(file: string | Buffer, treeSize?: number, signer = SIGNER): Promise<ExportVerification> {
  const bytes = typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
  // Small chunks: lines cross chunk boundaries.
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 97) chunks.push(bytes.subarray(i, i + 97));
  return verifyExport(chunks, signer, treeSize === undefined ? {} : { treeSize });
}

/** Index in `lines` of the event line with that seq. */
function lineOf(lines: readonly string[], seq: number): number {
  return lines.findIndex((l) => l.startsWith(`{"seq":${seq},`));
}

describe('export lines', () => {
  it('are JSON with the fields docs/api.md names, and their bytes after the prefix are the JCS of the leaf record', () => {
    const e = event(7);
    const leaf = auditLeafHash(e);
    const line = exportEventLine(7, leaf.toString('hex'), e);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(
      ['data', 'leafHash', 'metadata', 'position', 'recordedAt', 'schemaVersion', 'seq', 'streamId', 'type', 'version'].sort(),
    );
    expect(parsed['seq']).toBe(7);
    expect(parsed['leafHash']).toBe(leaf.toString('hex'));
    const parts = splitExportEventLine(Buffer.from(line));
    expect(parts).toEqual({ seq: 7, statedLeafHash: leaf, leafHash: leaf });
  });

  it('are not taken apart when they are not in the export form', () => {
    const e = event(1);
    const line = exportEventLine(1, auditLeafHash(e).toString('hex'), e);
    for (const other of [
      line.replace('{"seq":1,', '{"seq":01,'),
      line.replace('{"seq":1,', '{"seq": 1,'),
      line.replace(/"leafHash":"([0-9a-f]+)"/, (_, h: string) => `"leafHash":"${h.toUpperCase()}"`),
      line.replace(/"leafHash":"([0-9a-f]+)"/, (_, h: string) => `"leafHash":"${h.slice(2)}"`),
      '{"seq":1,"leafHash":"' + '0'.repeat(64) + '",',
    ]) {
      expect(splitExportEventLine(Buffer.from(other))).toBeUndefined();
    }
  });
});

describe('verifyExport', () => {
  const lines = sealedExport(45, { every: 10 });

  it('verifies every event, the chain and every checkpoint of an intact export', async () => {
    await expect(verify(text(lines), 45)).resolves.toEqual({ ok: true, verifiedEvents: 45, signedEvents: 45, checkpoints: 5 });
  });

  it('reports events after the last checkpoint as verified but not signed', async () => {
    await expect(verify(text(sealedExport(45, { every: 10, tail: true })))).resolves.toEqual({
      ok: true,
      verifiedEvents: 45,
      signedEvents: 40,
      checkpoints: 4,
    });
  });

  it('refuses a line with the same values rendered another way', async () => {
    const tampered = [...lines];
    const at = lineOf(lines, 3);
    tampered[at] = JSON.stringify(JSON.parse(tampered[at]!));
    expect(tampered[at]).not.toBe(lines[at]); // integer-like keys come first in JSON.stringify
    await expect(verify(text(tampered))).resolves.toMatchObject({ ok: false, firstMismatch: { seq: 3, line: at + 1 } });
  });

  it('notices a checkpoint dropped from the middle', async () => {
    const tampered = lines.filter((l) => !l.startsWith('{"checkpoint":{"treeSize":20,'));
    await expect(verify(text(tampered), 45)).resolves.toMatchObject({
      ok: false,
      firstMismatch: { seq: 20, reason: expect.stringMatching(/of tree size 20, is missing/) },
    });
  });

  it('pinpoints a changed byte in an event', async () => {
    const tampered = [...lines];
    const at = lineOf(lines, 23);
    tampered[at] = tampered[at]!.replace('Ransomware 23', 'Ransomware 24');
    const result = await verify(text(tampered));
    expect(result.ok).toBe(false);
    expect(result.firstMismatch).toMatchObject({ seq: 23, position: event(23).position, line: at + 1 });
    expect(result.firstMismatch?.reason).toMatch(/does not hash to its leaf hash/);
    expect(result.verifiedEvents).toBe(23);
  });

  it('pinpoints a deleted event', async () => {
    const tampered = lines.filter((_, i) => i !== lineOf(lines, 17));
    const result = await verify(text(tampered));
    expect(result.firstMismatch).toMatchObject({ seq: 17, reason: expect.stringMatching(/seq 17 is missing/) });
  });

  it('pinpoints two swapped events', async () => {
    const tampered = [...lines];
    const [a, b] = [lineOf(lines, 12), lineOf(lines, 31)];
    [tampered[a], tampered[b]] = [tampered[b]!, tampered[a]!];
    const result = await verify(text(tampered));
    expect(result.firstMismatch).toMatchObject({ seq: 12, line: a + 1 });
  });

  it('pinpoints an inserted event, even one that hashes to its own stated leaf hash', async () => {
    const forged = { ...event(5), data: { title: 'a grant that never was' } };
    const tampered = [...lines];
    const at = lineOf(lines, 5);
    tampered.splice(at, 0, exportEventLine(5, auditLeafHash(forged).toString('hex'), forged));
    const result = await verify(text(tampered));
    expect(result.ok).toBe(false);
    // The forged line is consistent with itself; the real seq 5 then appears twice.
    expect(result.firstMismatch).toMatchObject({ seq: 5, line: at + 2 });
  });

  it('detects a leaf hash rewritten to match a changed event at the next checkpoint', async () => {
    const tampered = [...lines];
    const at = lineOf(lines, 23);
    const changed = { ...event(23), data: { title: 'rewritten' } };
    tampered[at] = exportEventLine(23, auditLeafHash(changed).toString('hex'), changed);
    const result = await verify(text(tampered));
    expect(result.firstMismatch).toMatchObject({ seq: 20, reason: expect.stringMatching(/checkpoint of tree size 30: the leaves from seq 20 to 29/) });
  });

  it('refuses a checkpoint with one flipped bit, and one signed by another key', async () => {
    const at = lines.findIndex((l) => l.startsWith('{"checkpoint":{"treeSize":20,'));
    const note = (JSON.parse(lines[at]!) as { checkpoint: { note: string } }).checkpoint.note;
    const bytes = Buffer.from(text(lines));
    const noteAt = bytes.indexOf(JSON.stringify(note).slice(1, 30), bytes.indexOf('"treeSize":20,'));
    bytes[noteAt + 3] = bytes[noteAt + 3]! ^ 0x01;
    expect((await verify(bytes)).firstMismatch).toMatchObject({ seq: 10, line: at + 1 });

    const other = generateKeyPairSync('ed25519');
    const otherId = keyId(KEY_NAME, rawEd25519PublicKey(other.publicKey)).toString('hex');
    const result = await verify(text(sealedExport(12, { every: 10, signer: other.privateKey })));
    expect(result.firstMismatch).toEqual({ seq: 0, position: null, line: 11, reason: `signed by unknown key ${otherId}: add it to AUDIT_PREVIOUS_PUBLIC_KEYS` });
    expect(result.signedEvents).toBe(0);
  });

  it('accepts checkpoints by any listed key (a rotation), and names the first unlisted one', async () => {
    const old = generateKeyPairSync('ed25519');
    const oldId = keyId(KEY_NAME, rawEd25519PublicKey(old.publicKey)).toString('hex');
    const rotated = rotatedExport(old.privateKey);
    const both = await verifyExport([Buffer.from(rotated)], { publicKey: [publicKey, old.publicKey], keyName: KEY_NAME }, { treeSize: 30 });
    expect(both).toMatchObject({ ok: true, verifiedEvents: 30, signedEvents: 30, checkpoints: 3 });
    const currentOnly = await verifyExport([Buffer.from(rotated)], { publicKey: [publicKey], keyName: KEY_NAME });
    expect(currentOnly).toMatchObject({ ok: false, signedEvents: 0, firstMismatch: { seq: 0, reason: `signed by unknown key ${oldId}: add it to AUDIT_PREVIOUS_PUBLIC_KEYS` } });
  });

  it('refuses a signature under another key name or for another log, even by the same key', async () => {
    for (const options of [{ keyName: 'evil.example/not-the-log' }, { origin: 'evil.example/not-the-log' }]) {
      const result = await verify(text(sealedExport(12, { every: 10, ...options })));
      expect(result).toMatchObject({ ok: false, signedEvents: 0, firstMismatch: { seq: 0 } });
    }
  });

  it('refuses a note with a signature line added', async () => {
    const at = lines.findIndex((l) => l.startsWith('{"checkpoint":{"treeSize":10,'));
    const parsed = JSON.parse(lines[at]!) as { checkpoint: Parameters<typeof exportCheckpointLine>[0] };
    const extra = `\u2014 witness.example/w ${Buffer.alloc(68, 7).toString('base64')}\n`;
    const tampered = [...lines];
    tampered[at] = exportCheckpointLine({ ...parsed.checkpoint, note: parsed.checkpoint.note + extra });
    const result = await verify(text(tampered));
    expect(result).toMatchObject({ ok: false, firstMismatch: { seq: 0, reason: expect.stringMatching(/exactly one signature/) } });
  });

  it('accepts checkpoints signed before notes named the one before them', async () => {
    await expect(verify(text(sealedExport(25, { every: 10, legacy: true })), 25)).resolves.toEqual({
      ok: true,
      verifiedEvents: 25,
      signedEvents: 25,
      checkpoints: 3,
    });
  });

  it('reports a line repeated after a checkpoint covers it where the log goes wrong', async () => {
    const tampered = [...lines];
    tampered.splice(lineOf(lines, 13), 0, lines[lineOf(lines, 0)]!);
    const result = await verify(text(tampered));
    expect(result).toMatchObject({ ok: false, verifiedEvents: 13, signedEvents: 10, firstMismatch: { seq: 13 } });
  });

  it('refuses an export cut short after a checkpoint when told the tree size the auditor holds', async () => {
    const cut = lines.slice(0, lines.findIndex((l) => l.startsWith('{"checkpoint":{"treeSize":30,')) + 1);
    await expect(verify(text(cut))).resolves.toMatchObject({ ok: true, verifiedEvents: 30 });
    await expect(verify(text(cut), 45)).resolves.toMatchObject({
      ok: false,
      firstMismatch: { seq: 30, reason: 'the export has no valid checkpoint of tree size 45' },
    });
  });

  it('refuses a line longer than MAX_EXPORT_LINE_BYTES, and stops reading there', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let read = 0;
    function* endless(): Generator<Buffer> {
      for (let i = 0; i < 1024; i++) {
        read += 1;
        yield chunk; // 1 GiB without a newline
      }
    }
    const result = await verifyExport(endless(), SIGNER);
    expect(result).toMatchObject({ ok: false, firstMismatch: { seq: 0, line: 1, reason: expect.stringMatching(/longer than/) } });
    expect(read).toBe(MAX_EXPORT_LINE_BYTES / chunk.length + 1);
  });

  it('refuses a complete line over the limit, whatever the chunk size', async () => {
    const long = Buffer.concat([Buffer.from('{"seq":0,"leafHash":"'), Buffer.alloc(MAX_EXPORT_LINE_BYTES, 0x61), Buffer.from('"}\n')]);
    for (const size of [64 * 1024, long.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < long.length; i += size) chunks.push(long.subarray(i, i + size));
      await expect(verifyExport(chunks, SIGNER)).resolves.toMatchObject({ ok: false, firstMismatch: { line: 1, reason: expect.stringMatching(/longer than/) } });
    }
  });

  it('refuses an export that ends in the middle of a line', async () => {
    const file = text(lines);
    await expect(verify(file.slice(0, -1))).resolves.toMatchObject({ ok: false, firstMismatch: { line: lines.length } });
  });

  it('detects every single random mutation of an export (1,000 runs)', async () => {
    const original = Buffer.from(text(sealedExport(30, { every: 7 })));
    await fc.assert(
      fc.asyncProperty(fileMutation(original), async ({ bytes }) => {
        const result = await verify(bytes, 30);
        expect(result.ok).toBe(false);
        expect(result.firstMismatch).toBeDefined();
      }),
      { numRuns: 1000 },
    );
  });
});
