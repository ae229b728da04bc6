import { EventStore, verifyInclusion } from '@app/event-store';
import { eventually } from '@app/testing';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SCRUB_LEGACY_CONTACTS } from '../../migrations/1795852800500-PersonalDataKeys';
import { auditVerifyCommand } from '../../src/cli/audit-verify-command';
import { LegacyContacts } from '../../src/personal-data/legacy-contacts';
import { EnvironmentKeyVault } from '../../src/personal-data/personal-data-vault';
import { waitUntilSealed } from '../support/audit';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp, type TestResponse } from '../support/test-app';

/*
 * Erasure of personal data by crypto-shredding, through HTTP against the real database:
 * the plaintext of a contact is in no row of the database (pg_dump) before erasure nor after it,
 * only the API shows it (to those who may read the request), erasure makes it `{ erased: true }`,
 * and the audit log, its proofs and the offline verifier still pass.
 */

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** Distinctive enough to be found nowhere by chance. */
const CONTACT = { name: 'Zephyrine Quillfeather-Okonkwo', email: 'zq.erasure-probe@csirt.example.cr' };
const LEGACY_CONTACT = { name: 'Bartholomew Legacyplain', email: 'b.legacy-probe@csirt.example.cr' };

let t: TestApp;
let cr: string;
let pa: string;
let officer: string;
let auditor: string;
let admin: string;
let dir: string;

/** pg_dump of the current version's server, or a failure that says what is missing. */
function pgDumpBinary(): string {
  const candidates = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/u.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin/pg_dump`)
    : [];
  const found = candidates.find((path) => existsSync(path));
  if (found !== undefined) return found;
  const onPath = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'pg_dump';
  throw new Error('pg_dump was not found (neither under /usr/lib/postgresql/*/bin nor on PATH): install the PostgreSQL client to run the erasure dump test');
}

/** The whole of this test file's database, as pg_dump writes it. */
function dumpDatabase(): string {
  const dump = spawnSync(pgDumpBinary(), ['--no-owner', '--dbname', t.db.url], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (dump.status !== 0) throw new Error(`pg_dump failed (${String(dump.status)}): ${dump.stderr}`);
  return dump.stdout;
}

/** Every way the contact could sit in a dump: as text, in JSON escapes, or as bytes in hex. */
function expectNoTrace(text: string, contact: { name: string; email: string }): void {
  for (const value of [contact.name, contact.email]) {
    expect(text).not.toContain(value);
    expect(text.toLowerCase()).not.toContain(value.toLowerCase());
    expect(text).not.toContain(Buffer.from(value, 'utf8').toString('hex'));
    expect(text).not.toContain(Buffer.from(value, 'utf8').toString('base64'));
  }
}

/** Every value under this test's queue prefix in Redis: jobs, their results and failures (dead letters). */
async function redisContents(): Promise<string> {
  const redis = new Redis(t.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const parts: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${t.config.queuePrefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') parts.push((await redis.get(key)) ?? '');
        else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
        else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
        else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}

function call(method: 'GET' | 'POST', url: string, token: string, payload?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
  return t.request({ method, url, headers: { authorization: `Bearer ${token}`, ...headers }, ...(payload === undefined ? {} : { payload }) });
}

const erase = (id: string, token = admin, reason: unknown = 'the person asked to be forgotten') =>
  call('POST', `/v1/aid-requests/${id}/contact/erase`, token, { reason });

/** The filing as the audit feed carries it, once sealed (within a second or so). */
async function filedEventOf(id: string): Promise<{ position: number; data: Record<string, unknown>; schemaVersion: number }> {
  return eventually(
    async () => {
      const response = await call('GET', `/v1/audit/events?streamId=aid-request-${id}&type=AidRequestFiled`, auditor);
      expect(response.statusCode).toBe(200);
      return response.json().items[0];
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}

async function keyRows(id: string): Promise<number> {
  const { rows } = await t.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM personal_data_keys WHERE request_id = $1', [id]);
  return Number(rows[0]?.n);
}

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'all', AUDIT_SIGNING_KEY: PEM, CHECKPOINT_MAX_EVENTS: '4', CHECKPOINT_INTERVAL_MS: '200' } });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  pa = await t.token('partner', { country: 'PA', sub: 'pa-csirt' });
  officer = await t.token('officer', { sub: 'officer-ana' });
  auditor = await t.token('auditor', { sub: 'auditor-ines' });
  admin = await t.token('admin', { sub: 'admin-eve' });
  dir = mkdtempSync(join(tmpdir(), 'cdt-fund-erasure-'));
}, 30_000);
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('erasure of contact details by crypto-shredding', () => {
  let id: string;
  let firstAnswer: Record<string, unknown>;

  it('shows the contact decrypted to whoever may read the request, and stores it nowhere in plaintext (pg_dump, Redis)', async () => {
    const filed = await call('POST', '/v1/aid-requests', cr, incidentBody({ contact: CONTACT }), { 'idempotency-key': 'erasure-filing-1' });
    expect(filed.statusCode).toBe(201);
    firstAnswer = filed.json();
    id = filed.json().id;
    expect(filed.json().contact).toEqual(CONTACT);

    for (const token of [cr, officer, auditor]) {
      const view = await call('GET', `/v1/aid-requests/${id}`, token);
      expect(view.statusCode).toBe(200);
      expect(view.json().contact).toEqual(CONTACT);
      const timeline = await call('GET', `/v1/aid-requests/${id}/timeline`, token);
      expect(timeline.json().items[0]).toMatchObject({ type: 'AidRequestFiled', schemaVersion: 2, data: { contact: CONTACT } });
    }
    const listed = await call('GET', '/v1/aid-requests?country=CR', officer);
    expect(listed.json().items.find((item: { id: string }) => item.id === id).contact).toEqual(CONTACT);
    // Another country's partner: as if it did not exist.
    expect((await call('GET', `/v1/aid-requests/${id}`, pa)).statusCode).toBe(404);
    expect((await call('GET', `/v1/aid-requests/${id}/timeline`, pa)).statusCode).toBe(404);

    // The idempotent replay answers the same body, the contact decrypted again from the kept (encrypted) answer.
    const replay = await call('POST', '/v1/aid-requests', cr, incidentBody({ contact: CONTACT }), { 'idempotency-key': 'erasure-filing-1' });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(firstAnswer);

    // The audit feed carries the stored, encrypted form.
    const stored = await filedEventOf(id);
    expect(stored.schemaVersion).toBe(2);
    expect(stored.data['contact']).toEqual({ encrypted: { v: 1, iv: expect.any(String), ciphertext: expect.any(String), tag: expect.any(String) } });
    expect(await keyRows(id)).toBe(1);

    await waitUntilSealed(t, { triaged: 1 });
    const dump = dumpDatabase();
    expect(dump).toContain(id); // the dump holds the request…
    expect(dump).toContain('personal_data_keys');
    expectNoTrace(dump, CONTACT); // …but not its contact
    expectNoTrace(await redisContents(), CONTACT);
  }, 60_000);

  it('is for admins only: every other role 403, a blank or missing reason 400 naming it', async () => {
    for (const token of [cr, pa, officer, auditor]) {
      expect((await erase(id, token)).statusCode).toBe(403);
    }
    for (const reason of ['', '   ', 42, 'x'.repeat(2_001)]) {
      const refused = await erase(id, admin, reason);
      expect(refused.statusCode).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json().errors.map((e: { field: string }) => e.field)).toContain('reason');
    }
    const missing = await call('POST', `/v1/aid-requests/${id}/contact/erase`, admin, {});
    expect(missing.statusCode).toBe(400);
    expect((await erase(randomUUID())).statusCode).toBe(404);
    expect(await keyRows(id)).toBe(1);
  });

  it('erases: the key row is gone, PersonalDataErased is recorded, view and timeline show { erased: true }', async () => {
    const before = (await call('GET', `/v1/aid-requests/${id}`, officer)).json().version as number;
    const erased = await erase(id);
    expect(erased.statusCode).toBe(200);
    expect(erased.json()).toMatchObject({ id, contact: { erased: true }, version: before + 1 });
    expect(erased.headers.etag).toBe(`"${before + 1}"`);
    expect(await keyRows(id)).toBe(0);

    for (const token of [cr, officer, auditor]) {
      expect((await call('GET', `/v1/aid-requests/${id}`, token)).json().contact).toEqual({ erased: true });
      const items = (await call('GET', `/v1/aid-requests/${id}/timeline`, token)).json().items as { type: string; data: Record<string, unknown> }[];
      expect(items[0]?.data['contact']).toEqual({ erased: true });
      expect(items.at(-1)).toMatchObject({
        type: 'PersonalDataErased',
        data: { requestId: id, erasedBy: 'admin-eve', reason: 'the person asked to be forgotten', erasedAt: expect.any(String), sealedPlaintextRemains: false },
      });
    }
    // The replay of the filing can no longer show what was erased either.
    const replay = await call('POST', '/v1/aid-requests', cr, incidentBody({ contact: CONTACT }), { 'idempotency-key': 'erasure-filing-1' });
    expect(replay.json()).toEqual({ ...firstAnswer, contact: { erased: true } });
    // The log is untouched: the audit feed still carries the same ciphertext.
    expect((await filedEventOf(id)).data['contact']).toHaveProperty('encrypted');

    const dump = dumpDatabase();
    expect(dump).toContain(id);
    expectNoTrace(dump, CONTACT);
    expectNoTrace(await redisContents(), CONTACT);
  }, 30_000);

  it('erasing again answers the view and records nothing more', async () => {
    const count = async () => (await call('GET', `/v1/aid-requests/${id}/timeline`, officer)).json().items.length as number;
    const events = await count();
    const again = await erase(id, admin, 'asked a second time');
    expect(again.statusCode).toBe(200);
    expect(again.json().contact).toEqual({ erased: true });
    expect(await count()).toBe(events);
  });

  it('a request filed without contact details has nothing to erase: 409 with its own type', async () => {
    const filed = await call('POST', '/v1/aid-requests', cr, incidentBody({ title: 'No contact on this one' }));
    expect(filed.json().contact).toBeNull();
    // `contact: null` is as good as none (found by the hostile-input test: it was a 500).
    const explicitNull = await call('POST', '/v1/aid-requests', cr, incidentBody({ title: 'An explicit null contact', contact: null }));
    expect(explicitNull.statusCode).toBe(201);
    expect(explicitNull.json().contact).toBeNull();
    expect(await keyRows(explicitNull.json().id)).toBe(0);
    const refused = await erase(filed.json().id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().type).toBe('urn:cdt-fund:problem:personal_data.none');
  });

  it('leaves the audit log provable: /v1/audit/verify, inclusion proofs of the erased filing, and the offline verifier', async () => {
    const total = await waitUntilSealed(t, { triaged: 2 });
    const verify = await call('GET', '/v1/audit/verify', auditor);
    expect(verify.json()).toMatchObject({ ok: true, verifiedEvents: total, signedEvents: total });

    const latest = (await call('GET', '/v1/audit/checkpoints/latest', auditor)).json() as { treeSize: number; rootHash: string };
    const stream = (await call('GET', `/v1/audit/events?streamId=aid-request-${id}`, auditor)).json().items as { position: number; type: string }[];
    expect(stream.map((e) => e.type)).toEqual(expect.arrayContaining(['AidRequestFiled', 'PersonalDataErased']));
    for (const event of stream) {
      const proof = (await call('GET', `/v1/audit/events/${event.position}/proof`, auditor)).json();
      const hex = (h: string) => Buffer.from(h, 'hex');
      expect(verifyInclusion(hex(proof.leafHash), proof.seq, latest.treeSize, (proof.auditPath as string[]).map(hex), hex(latest.rootHash))).toBe(true);
    }

    const exported = await call('GET', '/v1/audit/export', auditor);
    expectNoTrace(exported.body, CONTACT);
    const file = join(dir, 'export.ndjson');
    writeFileSync(file, exported.body);
    const keyFile = join(dir, 'public-key.pem');
    writeFileSync(keyFile, publicKey.export({ format: 'pem', type: 'spki' }));
    const out: string[] = [];
    const code = await auditVerifyCommand([file, keyFile, '--json'], { log: (l) => out.push(l), error: (l) => out.push(l) });
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ ok: true, verifiedEvents: total });
  }, 40_000);

  it('a tampered ciphertext or sealed key is detected: a 500 that says so, never garbage', async () => {
    // Detected months away from every other incident filed here: no possible-duplicate flag, so
    // once triaged nothing else rewrites its view while this test alters it (the incident-response
    // job flags duplicates after triage, and would put the untouched ciphertext back).
    const filed = await call(
      'POST',
      '/v1/aid-requests',
      cr,
      incidentBody({ title: 'Tamper target', contact: { name: 'Tamper Target', email: 't@csirt.example.cr' } }, { detectedAt: '2026-08-03T08:00:00Z' }),
    );
    expect(filed.statusCode).toBe(201);
    const target = filed.json().id as string;
    await eventually(async () => ((await call('GET', `/v1/aid-requests/${target}`, officer)).json().status === 'triaged' ? true : undefined), { timeoutMs: 15_000 });
    const { rows } = await t.pool.query<{ sealed_key: Buffer }>('SELECT sealed_key FROM personal_data_keys WHERE request_id = $1', [target]);
    const original = rows[0]!.sealed_key;
    const altered = Buffer.from(original);
    altered[20] = (altered[20] ?? 0) ^ 0x01;
    await t.pool.query('UPDATE personal_data_keys SET sealed_key = $2 WHERE request_id = $1', [target, altered]);
    const broken = await call('GET', `/v1/aid-requests/${target}`, officer);
    expect(broken.statusCode).toBe(500);
    expect(broken.json()).toMatchObject({ type: 'urn:cdt-fund:problem:personal_data.unreadable', detail: expect.stringContaining('PERSONAL_DATA_KEY') });
    expect(broken.body).not.toContain('Tamper Target');
    await t.pool.query('UPDATE personal_data_keys SET sealed_key = $2 WHERE request_id = $1', [target, original]);

    // The view row's ciphertext (the view table is not append-only): GCM's tag refuses it.
    const { rows: views } = await t.pool.query<{ view: { contact: { encrypted: { ciphertext: string } } } }>('SELECT view FROM aid_request_views WHERE id = $1', [target]);
    const ciphertext = Buffer.from(views[0]!.view.contact.encrypted.ciphertext, 'base64');
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 0x01;
    await t.pool.query(`UPDATE aid_request_views SET view = jsonb_set(view::jsonb, '{contact,encrypted,ciphertext}', to_jsonb($2::text))::json WHERE id = $1`, [
      target,
      ciphertext.toString('base64'),
    ]);
    const tampered = await call('GET', `/v1/aid-requests/${target}`, officer);
    expect(tampered.statusCode).toBe(500);
    expect(tampered.json().type).toBe('urn:cdt-fund:problem:personal_data.unreadable');
    expect(tampered.json().detail).toMatch(/altered/u);
  });

  it('a process started with another PERSONAL_DATA_KEY refuses to start (its start-up step), naming the variable, and seals nothing', async () => {
    const keys = async () => Number((await t.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM personal_data_keys')).rows[0]?.n);
    const before = await keys();
    const wrong = new LegacyContacts(t.pool, new EnvironmentKeyVault(randomBytes(32)));
    await expect(wrong.onApplicationBootstrap()).rejects.toThrow(/PERSONAL_DATA_KEY is not the key the stored contact details were sealed with/u);
    expect(await keys()).toBe(before);
    await expect(t.app.get(LegacyContacts).onApplicationBootstrap()).resolves.toBeUndefined();
  });
});

describe('contacts filed before they were encrypted (AidRequestFiled schema 1)', () => {
  it('are upcast, re-encrypted from the log, shown, and erased as far as possible: the sealed plaintext remains and the event says so', async () => {
    const legacyId = randomUUID();
    const streamId = `aid-request-${legacyId}`;
    const v1 = {
      requestId: legacyId,
      country: 'CR',
      kind: 'incident_response',
      title: 'Filed before contacts were encrypted',
      description: 'A filing recorded with its contact details in plaintext.',
      actionArea: 'countering_threats',
      amountRequested: '2500000',
      incident: { severity: 'high', ongoing: true, detectedAt: '2026-11-27T08:00:00.000Z', sectors: ['government'] },
      contact: LEGACY_CONTACT,
      filedBy: 'cr-csirt',
      filedAt: '2026-11-28T09:00:00.000Z',
    };
    await t.app.get(EventStore).append([
      {
        streamId,
        streamType: 'aid-request',
        expectedVersion: 'no_stream',
        events: [{ eventId: randomUUID(), type: 'AidRequestFiled', schemaVersion: 1, data: v1, metadata: { actor: { sub: 'cr-csirt', role: 'partner', country: 'CR' } } }],
      },
    ]);
    // The relay triages it like any filing, which projects its view from the upcast event.
    await eventually(async () => ((await call('GET', `/v1/aid-requests/${legacyId}`, officer)).statusCode === 200 ? true : undefined), { timeoutMs: 15_000 });

    // As the database held it before the PersonalDataKeys migration: plaintext in the view and a kept answer.
    await t.pool.query(`UPDATE aid_request_views SET view = jsonb_set(view::jsonb, '{contact}', $2::jsonb)::json WHERE id = $1`, [legacyId, JSON.stringify(LEGACY_CONTACT)]);
    await t.pool.query(`INSERT INTO idempotency_keys (actor, scope, key, request_hash, response) VALUES ('cr-csirt', 'POST /v1/aid-requests', 'legacy-key', 'h', $1)`, [
      JSON.stringify({ status: 201, body: { id: legacyId, contact: LEGACY_CONTACT } }),
    ]);
    const rows = async () => JSON.stringify((await t.pool.query('SELECT view FROM aid_request_views UNION ALL SELECT response::json FROM idempotency_keys')).rows);
    expect(await rows()).toContain(LEGACY_CONTACT.email);

    // The migration's rewrite removes it; the start-up step re-encrypts from the log (once).
    for (const statement of SCRUB_LEGACY_CONTACTS) await t.pool.query(statement);
    expect(await rows()).not.toContain(LEGACY_CONTACT.email);
    expect(await rows()).not.toContain(LEGACY_CONTACT.name);
    const legacy = t.app.get(LegacyContacts);
    expect(await legacy.reencrypt()).toBe(1);
    expect(await legacy.reencrypt()).toBe(0);
    expect(await keyRows(legacyId)).toBe(1);

    const view = await call('GET', `/v1/aid-requests/${legacyId}`, cr);
    expect(view.json().contact).toEqual(LEGACY_CONTACT);
    const timeline = (await call('GET', `/v1/aid-requests/${legacyId}/timeline`, officer)).json().items;
    expect(timeline[0]).toMatchObject({ type: 'AidRequestFiled', schemaVersion: 2, data: { contact: LEGACY_CONTACT, title: v1.title } });

    const erased = await erase(legacyId);
    expect(erased.statusCode).toBe(200);
    expect(erased.json().contact).toEqual({ erased: true, sealedPlaintextRemains: true });
    expect(await keyRows(legacyId)).toBe(0);
    const after = (await call('GET', `/v1/aid-requests/${legacyId}/timeline`, officer)).json().items;
    expect(after[0].data.contact).toEqual({ erased: true, sealedPlaintextRemains: true });
    expect(after.at(-1)).toMatchObject({ type: 'PersonalDataErased', data: { sealedPlaintextRemains: true } });
    // An erased legacy request is never re-encrypted again.
    expect(await legacy.reencrypt()).toBe(0);
    expect(await keyRows(legacyId)).toBe(0);

    // What crypto-shredding cannot reach, said plainly: the sealed schema-1 event keeps its plaintext (docs/personal-data.md).
    const sealed = await t.pool.query<{ data: { contact: unknown } }>(`SELECT data FROM events WHERE stream_id = $1 AND event_type = 'AidRequestFiled'`, [streamId]);
    expect(sealed.rows[0]?.data.contact).toEqual(LEGACY_CONTACT);
    expect(await rows()).not.toContain(LEGACY_CONTACT.email);
  }, 40_000);
});
