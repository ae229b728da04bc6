import { keyId, rawEd25519PublicKey } from '@app/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@app/testing';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_KEY_NAME } from '../../src/audit/audit-signing-key';
import { auditVerifyCommand } from '../../src/cli/audit-verify-command';
import { waitUntilSealed } from '../support/audit';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Rotating the audit signing key as an operator would: the service restarted with another
 * AUDIT_SIGNING_KEY on the same database. Without the old key in AUDIT_PREVIOUS_PUBLIC_KEYS the
 * sealer refuses to sign (log, metric, /health/ready) and every verifier names the unknown key;
 * with it, old and new checkpoints verify everywhere.
 */

const oldKey = generateKeyPairSync('ed25519');
const newKey = generateKeyPairSync('ed25519');
const privatePem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }).toString();
const publicPem = (key: KeyObject): string => key.export({ format: 'pem', type: 'spki' }).toString();
const idOf = (key: KeyObject): string => keyId(AUDIT_KEY_NAME, rawEd25519PublicKey(key)).toString('hex');
const UNKNOWN_OLD_KEY = `signed by unknown key ${idOf(oldKey.publicKey)}: add it to AUDIT_PREVIOUS_PUBLIC_KEYS`;
const FAST_CHECKPOINTS = { APP_ROLE: 'all', CHECKPOINT_MAX_EVENTS: '3', CHECKPOINT_INTERVAL_MS: '200' };

let db: TestDatabase;
let dir: string;
let oldPublicFile: string;
let newPublicFile: string;
let app: TestApp | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'cdt-fund-key-rotation-'));
  oldPublicFile = join(dir, 'old.pub.pem');
  newPublicFile = join(dir, 'new.pub.pem');
  writeFileSync(oldPublicFile, publicPem(oldKey.publicKey));
  writeFileSync(newPublicFile, publicPem(newKey.publicKey));
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function file(t: TestApp, body: object): Promise<void> {
  const partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${partner}` }, payload: body });
  expect(response.statusCode).toBe(201);
}

async function get(t: TestApp, url: string, role?: 'auditor'): Promise<ReturnType<TestApp['request']> extends Promise<infer R> ? R : never> {
  const headers: Record<string, string> = role === undefined ? {} : { authorization: `Bearer ${await t.token(role, { sub: 'auditor-ines' })}` };
  return t.request({ method: 'GET', url, headers });
}

async function exportFile(t: TestApp, name: string): Promise<string> {
  const response = await get(t, '/v1/audit/export', 'auditor');
  expect(response.statusCode).toBe(200);
  const path = join(dir, name);
  writeFileSync(path, response.body);
  return path;
}

async function verifyOffline(args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const sink = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
  const code = await auditVerifyCommand(args, sink);
  return { code, output: lines.join('\n') };
}

describe('audit key rotation', () => {
  it('signs with the first key; checkpoints and keys are readable without a token', async () => {
    app = await createTestApp({ database: db, env: { ...FAST_CHECKPOINTS, AUDIT_SIGNING_KEY: privatePem(oldKey.privateKey) } });
    await file(app, incidentBody());
    await file(app, capacityBody());
    await waitUntilSealed(app, { triaged: 2 });
    const latest = await get(app, '/v1/audit/checkpoints/latest');
    expect(latest.statusCode).toBe(200);
    expect(latest.json().keyId).toBe(idOf(oldKey.publicKey));
    expect((await get(app, '/v1/audit/checkpoints')).statusCode).toBe(200);
    const keys = await get(app, '/v1/audit/public-keys');
    expect(keys.statusCode).toBe(200);
    expect(keys.json()).toEqual({ items: [{ keyId: idOf(oldKey.publicKey), keyName: AUDIT_KEY_NAME, publicKeyPem: publicPem(oldKey.publicKey), current: true }] });
  }, 60_000);

  it('with another key and the old one not listed: refuses to sign, says so, and verifiers name the unknown key', async () => {
    app = await createTestApp({ database: db, env: { ...FAST_CHECKPOINTS, AUDIT_SIGNING_KEY: privatePem(newKey.privateKey) } });
    const t = app;
    const ready = await get(t, '/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.auditSigningKey).toMatchObject({
      status: 'down',
      keyId: idOf(newKey.publicKey),
      error: expect.stringContaining(`the last checkpoint was signed by key ${idOf(oldKey.publicKey)}, which is not listed in AUDIT_PREVIOUS_PUBLIC_KEYS`),
    });
    expect((await get(t, '/metrics')).body).toMatch(/^cdt_audit_signing_key_refused 1$/m);

    const { rows: before } = await t.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_checkpoints');
    await file(t, incidentBody({ title: 'Wiper on the port authority' }));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const { rows: after } = await t.pool.query<{ n: string; keys: string }>(
      "SELECT count(*)::text AS n, string_agg(DISTINCT encode(key_id, 'hex'), ',') AS keys FROM audit_checkpoints",
    );
    expect(after[0]).toEqual({ n: before[0]!.n, keys: idOf(oldKey.publicKey) });

    const verify = await get(t, '/v1/audit/verify', 'auditor');
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toMatchObject({ ok: false, signedEvents: 0, firstMismatch: { seq: 0, reason: UNKNOWN_OLD_KEY } });

    const exported = await exportFile(t, 'before-listing.ndjson');
    const offline = await verifyOffline([exported, newPublicFile, '--json']);
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.output)).toMatchObject({ ok: false, firstMismatch: { seq: 0, reason: UNKNOWN_OLD_KEY } });
    // The old key alone verifies what it signed: nothing in the log was changed.
    expect((await verifyOffline([exported, oldPublicFile])).code).toBe(0);
  }, 60_000);

  it('with the old key listed: ready, signs with the new key, and every verifier accepts both', async () => {
    app = await createTestApp({
      database: db,
      env: { ...FAST_CHECKPOINTS, AUDIT_SIGNING_KEY: privatePem(newKey.privateKey), AUDIT_PREVIOUS_PUBLIC_KEYS: oldPublicFile },
    });
    const t = app;
    // Redis connects just after start-up.
    const ready = await eventually(async () => {
      const response = await get(t, '/health/ready');
      return response.statusCode === 200 ? response : undefined;
    });
    expect(ready.json().checks.auditSigningKey).toEqual({ status: 'up', keyId: idOf(newKey.publicKey) });
    await file(t, capacityBody({ title: 'National CSIRT, second phase' }));
    await waitUntilSealed(t, { triaged: 4 });
    expect((await get(t, '/metrics')).body).toMatch(/^cdt_audit_signing_key_refused 0$/m);

    const latest = await get(t, '/v1/audit/checkpoints/latest');
    expect(latest.json().keyId).toBe(idOf(newKey.publicKey));
    const keys = await get(t, '/v1/audit/public-keys');
    expect(keys.json().items).toEqual([
      { keyId: idOf(newKey.publicKey), keyName: AUDIT_KEY_NAME, publicKeyPem: publicPem(newKey.publicKey), current: true },
      { keyId: idOf(oldKey.publicKey), keyName: AUDIT_KEY_NAME, publicKeyPem: publicPem(oldKey.publicKey), current: false },
    ]);
    const keysFile = join(dir, 'public-keys.json');
    writeFileSync(keysFile, keys.body);

    const verify = await get(t, '/v1/audit/verify', 'auditor');
    expect(verify.json()).toMatchObject({ ok: true });
    expect(verify.json().signedEvents).toBe(verify.json().verifiedEvents);

    const exported = await exportFile(t, 'after-listing.ndjson');
    expect((await verifyOffline([exported, keysFile])).code).toBe(0);
    const both = await verifyOffline([exported, newPublicFile, oldPublicFile]);
    expect(both).toMatchObject({ code: 0, output: expect.stringMatching(/^OK: /) });
    const onlyNew = await verifyOffline([exported, newPublicFile]);
    expect(onlyNew.code).toBe(1);
    expect(onlyNew.output).toContain(UNKNOWN_OLD_KEY);
    const onlyOld = await verifyOffline([exported, oldPublicFile, '--json']);
    expect(JSON.parse(onlyOld.output).firstMismatch.reason).toBe(`signed by unknown key ${idOf(newKey.publicKey)}: add it to AUDIT_PREVIOUS_PUBLIC_KEYS`);
  }, 60_000);

  it('refuses a private key or an unreadable entry in AUDIT_PREVIOUS_PUBLIC_KEYS at start-up, naming the variable', async () => {
    await expect(
      createTestApp({ database: db, env: { AUDIT_SIGNING_KEY: privatePem(newKey.privateKey), AUDIT_PREVIOUS_PUBLIC_KEYS: privatePem(oldKey.privateKey) } }),
    ).rejects.toThrow(/AUDIT_PREVIOUS_PUBLIC_KEYS/);
    await expect(
      createTestApp({ database: db, env: { AUDIT_SIGNING_KEY: privatePem(newKey.privateKey), AUDIT_PREVIOUS_PUBLIC_KEYS: join(dir, 'missing.pem') } }),
    ).rejects.toThrow(/AUDIT_PREVIOUS_PUBLIC_KEYS/);
  }, 30_000);
});
