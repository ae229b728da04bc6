import canonicalize from 'canonicalize';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditVerifyCommand } from '../../src/cli/audit-verify-command';
import { waitUntilSealed } from '../support/audit';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const KEY_NAME = 'cdt-fund/audit-log';

let t: TestApp;
let cr: string;
let vn: string;
let auditor: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'all', AUDIT_SIGNING_KEY: PEM, CHECKPOINT_MAX_EVENTS: '3', CHECKPOINT_INTERVAL_MS: '200' } });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  vn = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
  auditor = await t.token('auditor', { sub: 'auditor-ines' });
  dir = mkdtempSync(join(tmpdir(), 'cdt-fund-receipts-'));
}, 30_000);
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A C2SP signed note checked with nothing but node:crypto: key id, then the Ed25519 signature over the body. */
function openReceipt(note: string): string[] {
  const split = note.lastIndexOf('\n\n');
  const body = note.slice(0, split + 1);
  const signatureLine = note.slice(split + 2).trimEnd();
  expect(signatureLine.startsWith(`\u2014 ${KEY_NAME} `)).toBe(true);
  const signature = Buffer.from(signatureLine.slice(`\u2014 ${KEY_NAME} `.length), 'base64');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const keyId = createHash('sha256').update(KEY_NAME).update(Buffer.from([0x0a, 0x01])).update(raw).digest().subarray(0, 4);
  expect(signature.subarray(0, 4)).toEqual(keyId);
  expect(verify(null, Buffer.from(body, 'utf8'), publicKey, signature.subarray(4))).toBe(true);
  return body.slice(0, -1).split('\n');
}

function file(token: string, body: unknown, headers: Record<string, string> = {}) {
  return t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${token}`, ...headers }, payload: body });
}

describe('filing receipts', () => {
  it('the 201 carries a receipt signed by the audit key whose leaf hash is the sealed leaf of the filed event', async () => {
    const filed = await file(cr, incidentBody({ contact: { name: 'Ana Mora', email: 'ana@csirt.example.cr' }, tlp: 'RED' }));
    expect(filed.statusCode).toBe(201);
    const id: string = filed.json().id;
    const note = Buffer.from(filed.headers['receipt']!, 'base64').toString('utf8');
    const [origin, requestId, position, leafHash, recordedAt] = openReceipt(note);
    expect([origin, requestId]).toEqual(['cdt-fund/receipt', id]);

    const stored = await t.pool.query<{ position: string; recorded_at: Date }>(
      `SELECT global_position::text AS position, recorded_at FROM events WHERE stream_id = $1 AND event_type = 'AidRequestFiled'`,
      [`aid-request-${id}`],
    );
    expect(position).toBe(stored.rows[0]!.position);
    expect(recordedAt).toBe(stored.rows[0]!.recorded_at.toISOString());

    // The same note from GET /receipt, for the request's partner, officers and auditors; 404 for others.
    const again = await t.request({ method: 'GET', url: `/v1/aid-requests/${id}/receipt`, headers: { authorization: `Bearer ${cr}` } });
    expect(again.statusCode).toBe(200);
    expect(again.headers['content-type']).toContain('text/plain');
    expect(again.body).toBe(note);
    expect((await t.request({ method: 'GET', url: `/v1/aid-requests/${id}/receipt`, headers: { authorization: `Bearer ${auditor}` } })).body).toBe(note);
    expect((await t.request({ method: 'GET', url: `/v1/aid-requests/${id}/receipt`, headers: { authorization: `Bearer ${vn}` } })).statusCode).toBe(404);

    // Sealed: the ledger's leaf for that position, and the export line recomputed independently (RFC 8785 by its author's package).
    await file(cr, capacityBody());
    await waitUntilSealed(t, { triaged: 2 });
    const ledger = await t.pool.query<{ seq: string; leaf: Buffer }>('SELECT seq::text AS seq, leaf_hash AS leaf FROM audit_ledger WHERE global_position = $1', [position]);
    expect(ledger.rows[0]!.leaf.toString('hex')).toBe(leafHash);
    const exported = await t.request({ method: 'GET', url: '/v1/audit/export', headers: { authorization: `Bearer ${auditor}` } });
    const line = exported.body
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['position'] === Number(position))!;
    const { seq, leafHash: stated, ...record } = line;
    expect(seq).toBe(Number(ledger.rows[0]!.seq));
    expect(stated).toBe(leafHash);
    expect(createHash('sha256').update(Buffer.from([0])).update(canonicalize(record)!, 'utf8').digest('hex')).toBe(leafHash);

    // Offline: npm run audit:verify -- <export> <key> --receipt <file> checks it and prints the proof.
    const exportFile = join(dir, 'export.ndjson');
    const keyFile = join(dir, 'key.pem');
    const receiptFile = join(dir, 'receipt.txt');
    writeFileSync(exportFile, exported.body);
    writeFileSync(keyFile, publicKey.export({ format: 'pem', type: 'spki' }));
    writeFileSync(receiptFile, filed.headers['receipt']!);
    const output: string[] = [];
    const code = await auditVerifyCommand([exportFile, keyFile, '--receipt', receiptFile], { log: (l) => output.push(l), error: (l) => output.push(l) });
    expect(output.join('\n')).toContain(`RECEIPT OK: request ${id} filed at position ${position}`);
    expect(output.join('\n')).toContain(`leaf ${leafHash} at seq ${String(seq)}`);
    expect(code).toBe(0);

    // A receipt altered in any line no longer verifies.
    const forged = note.replace(`\n${position}\n`, `\n${Number(position) + 1}\n`);
    writeFileSync(receiptFile, forged);
    const refused: string[] = [];
    expect(await auditVerifyCommand([exportFile, keyFile, '--receipt', receiptFile], { log: (l) => refused.push(l), error: (l) => refused.push(l) })).toBe(1);
    expect(refused.join('\n')).toContain('RECEIPT FAILED');
  }, 40_000);

  it('an idempotent replay of the filing carries the same receipt', async () => {
    const first = await file(cr, incidentBody({ title: 'Ransomware on the port authority' }), { 'idempotency-key': 'receipt-replay' });
    const replay = await file(cr, incidentBody({ title: 'Ransomware on the port authority' }), { 'idempotency-key': 'receipt-replay' });
    expect([first.statusCode, replay.statusCode]).toEqual([201, 201]);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['receipt']).toBe(first.headers['receipt']);
  });
});
