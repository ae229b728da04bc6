import { auditLeafHash, exportEventLine, verifyExport, type AuditLeafSource, type ExportVerification } from '@app/event-store';
import { fileMutation } from '@app/testing';
import fc from 'fast-check';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_KEY_NAME } from '../../src/audit/audit-signing-key';
import { auditVerifyCommand } from '../../src/cli/audit-verify-command';
import { waitUntilSealed } from '../support/audit';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Tampering with the stored log, as a superuser who can switch the append-only trigger off:
 * GET /v1/audit/verify and the offline verifier (npm run audit:verify) must each report the first
 * bad seq and position. Each case restores the log afterwards and checks it verifies again.
 */

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

let t: TestApp;
let auditor: string;
let dir: string;
let keyFile: string;
let total: number;

interface LedgerEvent {
  seq: number;
  position: number;
  transactionId: string;
}

interface Verification {
  ok: boolean;
  verifiedEvents: number;
  signedEvents: number;
  checkpoints: number;
  firstMismatch?: { seq: number; position: number | null; reason: string };
}

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'all', AUDIT_SIGNING_KEY: PEM, CHECKPOINT_MAX_EVENTS: '4', CHECKPOINT_INTERVAL_MS: '200' } });
  auditor = await t.token('auditor', { sub: 'auditor-ines' });
  const cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  const pa = await t.token('partner', { country: 'PA', sub: 'pa-csirt' });
  for (const [body, token] of [
    [incidentBody(), cr],
    [capacityBody(), cr],
    [capacityBody({ actionArea: 'data_governance' }, { sectors: [] }), pa],
    [incidentBody({ title: 'DDoS on the national payment switch' }), pa],
  ] as const) {
    const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${token}` }, payload: body });
    expect(response.statusCode).toBe(201);
  }
  total = await waitUntilSealed(t, { triaged: 4 });
  dir = mkdtempSync(join(tmpdir(), 'cdt-fund-audit-verify-'));
  keyFile = join(dir, 'public-key.pem');
  writeFileSync(keyFile, publicKey.export({ format: 'pem', type: 'spki' }));
}, 40_000);
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function verifyOnline(): Promise<Verification> {
  const response = await t.request({ method: 'GET', url: '/v1/audit/verify', headers: { authorization: `Bearer ${auditor}` } });
  expect(response.statusCode).toBe(200);
  return response.json() as Verification;
}

async function exportTo(name: string): Promise<string> {
  const response = await t.request({ method: 'GET', url: '/v1/audit/export', headers: { authorization: `Bearer ${auditor}` } });
  expect(response.statusCode).toBe(200);
  const file = join(dir, name);
  writeFileSync(file, response.body);
  return file;
}

/** `npm run audit:verify -- <file> <key> --json …`, in process. */
async function verifyOffline(file: string, ...args: string[]): Promise<{ code: number; result: ExportVerification; stdout: string }> {
  const out: string[] = [];
  const code = await auditVerifyCommand([file, keyFile, '--json', ...args], { log: (l) => out.push(l), error: (l) => out.push(l) });
  return { code, result: JSON.parse(out.join('\n')) as ExportVerification, stdout: out.join('\n') };
}

async function ledgerEvent(seq: number): Promise<LedgerEvent> {
  const { rows } = await t.pool.query<{ position: string; transaction_id: string }>(
    `SELECT l.global_position::text AS position, e.transaction_id::text AS transaction_id
       FROM audit_ledger l JOIN events e ON e.global_position = l.global_position WHERE l.seq = $1`,
    [seq],
  );
  const row = rows[0]!;
  return { seq, position: Number(row.position), transactionId: row.transaction_id };
}

/** Runs `sql` with the events table's append-only trigger switched off (a superuser's power). */
async function tamper(sql: string, values: unknown[] = []): Promise<void> {
  const client = await t.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
    await client.query(sql, values);
    await client.query('ALTER TABLE events ENABLE ALWAYS TRIGGER events_append_only');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function expectIntact(): Promise<void> {
  await expect(verifyOnline()).resolves.toEqual({ ok: true, verifiedEvents: total, signedEvents: total, checkpoints: expect.any(Number) });
  const { code, result } = await verifyOffline(await exportTo('intact.ndjson'), '--tree-size', String(total));
  expect(code).toBe(0);
  expect(result).toMatchObject({ ok: true, verifiedEvents: total, signedEvents: total });
}

describe('GET /v1/audit/verify and npm run audit:verify', () => {
  it('verify an intact log: every event, the chain and every checkpoint', async () => {
    expect(total).toBeGreaterThanOrEqual(8);
    const online = await verifyOnline();
    expect(online).toEqual({ ok: true, verifiedEvents: total, signedEvents: total, checkpoints: expect.any(Number) });
    const { rows } = await t.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_checkpoints');
    expect(online.checkpoints).toBe(Number(rows[0]!.n));

    const file = await exportTo('export.ndjson');
    const out: string[] = [];
    const code = await auditVerifyCommand([file, keyFile], { log: (l) => out.push(l), error: (l) => out.push(l) });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(`OK: ${total} events verified; ${online.checkpoints} signed checkpoints verified, covering ${total} events.`);
  });

  it('accept the public key as the JSON of GET /v1/audit/public-key', async () => {
    const response = await t.request({ method: 'GET', url: '/v1/audit/public-key', headers: { authorization: `Bearer ${auditor}` } });
    const jsonKey = join(dir, 'public-key.json');
    writeFileSync(jsonKey, response.body);
    const out: string[] = [];
    const code = await auditVerifyCommand([await exportTo('export.ndjson'), jsonKey], { log: (l) => out.push(l), error: (l) => out.push(l) });
    expect(code).toBe(0);
  });

  it('pinpoint one changed byte in a stored event', async () => {
    const target = await ledgerEvent(Math.floor(total / 2));
    const { rows } = await t.pool.query<{ data: string }>('SELECT data::text AS data FROM events WHERE global_position = $1', [target.position]);
    const original = rows[0]!.data;
    // One character of the first string value, still valid JSON.
    const at = original.indexOf('": "') + 4;
    const changed = `${original.slice(0, at)}${original[at] === 'x' ? 'y' : 'x'}${original.slice(at + 1)}`;
    await tamper('UPDATE events SET data = $2::jsonb WHERE global_position = $1', [target.position, changed]);
    try {
      const online = await verifyOnline();
      expect(online).toMatchObject({ ok: false, verifiedEvents: target.seq, firstMismatch: { seq: target.seq, position: target.position } });
      expect(online.firstMismatch?.reason).toMatch(/changed after it was sealed/);
      const { code, result } = await verifyOffline(await exportTo('changed.ndjson'));
      expect(code).toBe(1);
      expect(result.firstMismatch).toMatchObject({ seq: target.seq, position: target.position, reason: expect.stringMatching(/changed after it was sealed/) });
    } finally {
      await tamper('UPDATE events SET data = $2::jsonb WHERE global_position = $1', [target.position, original]);
    }
    await expectIntact();
  });

  it('pinpoint a deleted event', async () => {
    const target = await ledgerEvent(3);
    await t.pool.query('CREATE TABLE tamper_saved AS SELECT * FROM events WHERE global_position = $1', [target.position]);
    await tamper('DELETE FROM events WHERE global_position = $1', [target.position]);
    try {
      const online = await verifyOnline();
      expect(online).toMatchObject({ ok: false, verifiedEvents: 3, firstMismatch: { seq: 3, position: target.position } });
      expect(online.firstMismatch?.reason).toMatch(/missing from the event log/);
      const { code, result } = await verifyOffline(await exportTo('deleted.ndjson'));
      expect(code).toBe(1);
      expect(result.firstMismatch).toMatchObject({ seq: 3, reason: expect.stringMatching(/seq 3 is missing/) });
    } finally {
      await t.pool.query('INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM tamper_saved');
      await t.pool.query('DROP TABLE tamper_saved');
    }
    await expectIntact();
  });

  it('pinpoint two swapped events (the earlier one)', async () => {
    const [a, b] = [await ledgerEvent(2), await ledgerEvent(total - 2)];
    const swap = `UPDATE events e SET data = o.data, metadata = o.metadata, event_type = o.event_type
                    FROM events o
                   WHERE (e.global_position, o.global_position) IN (($1::bigint, $2::bigint), ($2::bigint, $1::bigint))`;
    await tamper(swap, [a.position, b.position]);
    try {
      await expect(verifyOnline()).resolves.toMatchObject({ ok: false, verifiedEvents: 2, firstMismatch: { seq: 2, position: a.position } });
      const { code, result } = await verifyOffline(await exportTo('swapped.ndjson'));
      expect(code).toBe(1);
      expect(result.firstMismatch).toMatchObject({ seq: 2, position: a.position });
    } finally {
      await tamper(swap, [a.position, b.position]);
    }
    await expectIntact();
  });

  it('pinpoint an event inserted behind the sealer, at the seq it would have had', async () => {
    // The last event of its transaction: an event inserted into that transaction comes right after it.
    let seq = 1;
    while ((await ledgerEvent(seq)).transactionId === (await ledgerEvent(seq + 1)).transactionId) seq += 1;
    const before = await ledgerEvent(seq);
    const { rows } = await t.pool.query<{ position: string }>(
      `INSERT INTO events (global_position, event_id, stream_id, stream_type, stream_version, event_type, data, metadata, recorded_at, transaction_id)
       OVERRIDING SYSTEM VALUE
       SELECT max(global_position) + 1000, $1, 'aid-request-forged', 'aid-request', 1, 'AidRequestApproved',
              '{"amount": "99000000"}', '{}', now(), $2::xid8 FROM events
       RETURNING global_position::text AS position`,
      [randomUUID(), before.transactionId],
    );
    const inserted = Number(rows[0]!.position);
    try {
      const online = await verifyOnline();
      expect(online).toMatchObject({ ok: false, verifiedEvents: seq + 1, firstMismatch: { seq: seq + 1, position: inserted } });
      expect(online.firstMismatch?.reason).toMatch(/does not have/);

      // Offline, the same forgery is a line slipped into an export.
      const file = await exportTo('inserted.ndjson');
      const lines = readFileSync(file, 'utf8').split('\n');
      const forged: AuditLeafSource = {
        position: inserted,
        streamId: 'aid-request-forged',
        version: 1,
        type: 'AidRequestApproved',
        schemaVersion: 1,
        data: { amount: '99000000' },
        metadata: {},
        recordedAt: new Date().toISOString(),
      };
      const at = lines.findIndex((l) => l.startsWith(`{"seq":${seq + 1},`));
      lines.splice(at, 0, exportEventLine(seq + 1, auditLeafHash(forged).toString('hex'), forged));
      writeFileSync(file, lines.join('\n'));
      const { code, result } = await verifyOffline(file);
      expect(code).toBe(1);
      expect(result.firstMismatch).toMatchObject({ seq: seq + 1, line: at + 2 });
    } finally {
      await tamper('DELETE FROM events WHERE global_position = $1', [inserted]);
    }
    await expectIntact();
  });

  it('detect every one of 1,000 random single mutations of a real export', async () => {
    const original = readFileSync(await exportTo('mutations.ndjson'));
    await fc.assert(
      fc.asyncProperty(fileMutation(original), async ({ bytes }) => {
        const result = await verifyExport([bytes], { publicKey, keyName: AUDIT_KEY_NAME }, { treeSize: total });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('with --strict, fail when events follow the last checkpoint; with --key-name, refuse another signer name', async () => {
    const file = await exportTo('tail.ndjson');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^\{"checkpoint":/);
    writeFileSync(file, lines.slice(0, -1).map((l) => `${l}\n`).join('')); // the last checkpoint not signed yet
    const plain = await verifyOffline(file);
    expect(plain.code).toBe(0);
    expect(plain.result.signedEvents).toBeLessThan(plain.result.verifiedEvents);
    const out: string[] = [];
    const sink = { log: (l: string) => out.push(l), error: (l: string) => out.push(l) };
    await expect(auditVerifyCommand([file, keyFile, '--strict'], sink)).resolves.toBe(1);
    expect(out.join('\n')).toMatch(/FAILED \(--strict\): the last \d+ events come after the last checkpoint/);

    const renamed = await verifyOffline(await exportTo('export.ndjson'), '--key-name', 'someone-else/log');
    expect(renamed.code).toBe(1);
    expect(renamed.result.firstMismatch?.reason).toMatch(/exactly one signature, by someone-else\/log/);
  });

  it('answer usage errors with exit status 2', async () => {
    const out: string[] = [];
    const sink = { log: (l: string) => out.push(l), error: (l: string) => out.push(l) };
    await expect(auditVerifyCommand([], sink)).resolves.toBe(2);
    await expect(auditVerifyCommand([join(dir, 'nope.ndjson'), keyFile], sink)).resolves.toBe(2);
    await expect(auditVerifyCommand([join(dir, 'export.ndjson'), join(dir, 'export.ndjson')], sink)).resolves.toBe(2);
    await expect(auditVerifyCommand([join(dir, 'export.ndjson'), keyFile, '--tree-size', 'x'], sink)).resolves.toBe(2);
    await expect(auditVerifyCommand([join(dir, 'export.ndjson'), keyFile, '--tree-size', '1e3'], sink)).resolves.toBe(2);
    await expect(auditVerifyCommand([join(dir, 'export.ndjson'), keyFile, '--no-such-option'], sink)).resolves.toBe(2);
    expect(out.join('\n')).toContain('usage: npm run audit:verify');
  });

  it('is for auditors only', async () => {
    for (const token of [await t.token('officer'), await t.token('partner', { country: 'CR' }), await t.token('admin')]) {
      const response = await t.request({ method: 'GET', url: '/v1/audit/verify', headers: { authorization: `Bearer ${token}` } });
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
  });
});
