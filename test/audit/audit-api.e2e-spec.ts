import { eventually } from '@app/testing';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { AUDIT_KEY_NAME } from '../../src/audit/audit-signing-key';
import { capacityBody } from '../support/requests';
import { fileAuditedRequests } from '../support/audit';
import { createTestApp, type TestApp } from '../support/test-app';

// One key for the whole process: the worker's sealer signs with it, the API publishes it.
const { privateKey } = generateKeyPairSync('ed25519');
const PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

let t: TestApp;
let auditor: string;
let officer: string;
let cr: string;
let pa: string;
const ids: string[] = [];

interface AuditEvent {
  seq: number;
  position: number;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: { country?: string } & Record<string, unknown>;
  metadata: { actor?: { sub?: string; country?: string } } & Record<string, unknown>;
  recordedAt: string;
}

interface Checkpoint {
  treeSize: number;
}

async function get(url: string, token = auditor) {
  return t.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

async function eventCount(): Promise<number> {
  const { rows } = await t.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
  return Number(rows[0]!.n);
}

/** Every page of /v1/audit/events for this query string, following nextCursor. */
async function allPages(query: string): Promise<{ items: AuditEvent[]; pages: number }> {
  const items: AuditEvent[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = query === '' ? '' : '&';
    const url: string = `/v1/audit/events?${query}${cursor === null ? '' : `${sep}cursor=${encodeURIComponent(cursor)}`}`;
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    items.push(...body.items);
    cursor = body.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (cursor !== null);
  return { items, pages };
}

beforeAll(async () => {
  t = await createTestApp({ env: { AUDIT_SIGNING_KEY: PEM, CHECKPOINT_MAX_EVENTS: '3', CHECKPOINT_INTERVAL_MS: '200' } });
  auditor = await t.token('auditor', { sub: 'auditor-ines' });
  officer = await t.token('officer', { sub: 'officer-ana' });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  pa = await t.token('partner', { country: 'PA', sub: 'pa-csirt' });
  ids.push(...(await fileAuditedRequests(t, { cr, pa })));
}, 30_000);
afterAll(async () => {
  await t.close();
});

describe('GET /v1/audit/events', () => {
  it('serves the sealed log in ledger order with gap-free seq, joined with the events', async () => {
    const response = await get('/v1/audit/events?limit=500');
    expect(response.statusCode).toBe(200);
    const { items, nextCursor } = response.json();
    expect(nextCursor).toBeNull();
    expect(items).toHaveLength(await eventCount());
    expect(items.map((e: AuditEvent) => e.seq)).toEqual(items.map((_: unknown, i: number) => i));
    const filed = items.filter((e: AuditEvent) => e.type === 'AidRequestFiled');
    expect(filed.map((e: AuditEvent) => e.streamId).sort()).toEqual(ids.map((id) => `aid-request-${id}`).sort());
    expect(filed[0]).toMatchObject({ version: 1, schemaVersion: expect.any(Number), position: expect.any(Number) });
    expect(typeof filed[0].recordedAt).toBe('string');
    expect(filed[0].data).toEqual(expect.any(Object));
    expect(filed[0].metadata).toEqual(expect.any(Object));
    // The same positions as the ledger, seq by seq.
    const { rows } = await t.pool.query<{ seq: string; global_position: string }>(
      'SELECT seq::text AS seq, global_position::text AS global_position FROM audit_ledger ORDER BY audit_ledger.seq',
    );
    expect(items.map((e: AuditEvent) => [e.seq, e.position])).toEqual(rows.map((r) => [Number(r.seq), Number(r.global_position)]));
  });

  it('filters by type, streamId, country, actor, after and time range', async () => {
    const all = (await get('/v1/audit/events?limit=500')).json().items as AuditEvent[];

    const filed = (await get('/v1/audit/events?type=AidRequestFiled')).json().items as AuditEvent[];
    expect(filed).toHaveLength(3);
    expect(filed.every((e) => e.type === 'AidRequestFiled')).toBe(true);

    const stream = `aid-request-${ids[0]}`;
    const byStream = (await get(`/v1/audit/events?streamId=${encodeURIComponent(stream)}`)).json().items as AuditEvent[];
    expect(byStream.length).toBeGreaterThanOrEqual(2);
    expect(byStream.every((e) => e.streamId === stream)).toBe(true);
    expect(byStream).toEqual(all.filter((e) => e.streamId === stream));

    const panama = (await get('/v1/audit/events?country=PA')).json().items as AuditEvent[];
    expect(panama.length).toBeGreaterThanOrEqual(1);
    expect(panama.filter((e) => e.type === 'AidRequestFiled').map((e) => e.streamId)).toEqual([`aid-request-${ids[2]}`]);
    expect(panama.every((e) => e.metadata?.actor?.country === 'PA' || e.data?.country === 'PA')).toBe(true);

    const byActor = (await get('/v1/audit/events?actor=cr-csirt')).json().items as AuditEvent[];
    expect(byActor.filter((e) => e.type === 'AidRequestFiled').map((e) => e.streamId).sort()).toEqual(
      [`aid-request-${ids[0]}`, `aid-request-${ids[1]}`].sort(),
    );
    expect(byActor.every((e) => e.metadata.actor?.sub === 'cr-csirt')).toBe(true);

    const after = (await get('/v1/audit/events?after=2&limit=500')).json().items as AuditEvent[];
    expect(after.map((e) => e.seq)).toEqual(all.filter((e) => e.seq > 2).map((e) => e.seq));

    expect((await get('/v1/audit/events?to=2000-01-01T00:00:00Z')).json().items).toEqual([]);
    expect((await get('/v1/audit/events?from=2000-01-01T00:00:00Z&limit=500')).json().items).toHaveLength(all.length);
    const first = all[0]!.recordedAt;
    expect((await get(`/v1/audit/events?to=${encodeURIComponent(first)}`)).json().items).toEqual([]);
    expect((await get(`/v1/audit/events?from=${encodeURIComponent(first)}&limit=500`)).json().items.length).toBeGreaterThanOrEqual(1);
  });

  it('pages with limit=2 over everything without repeats or gaps, with and without a filter', async () => {
    const all = (await get('/v1/audit/events?limit=500')).json().items as AuditEvent[];
    const { items, pages } = await allPages('limit=2');
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(items.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    const filtered = await allPages('limit=2&type=AidRequestFiled');
    expect(filtered.items.map((e) => e.seq)).toEqual(all.filter((e) => e.type === 'AidRequestFiled').map((e) => e.seq));
  });

  it('is for auditors only', async () => {
    expect((await get('/v1/audit/events', officer)).statusCode).toBe(403);
    expect((await get('/v1/audit/events', cr)).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/v1/audit/events' })).statusCode).toBe(401);
  });

  it.each([
    'after=abc',
    'after=-1',
    'after=1.5',
    'after=99999999999999999999',
    'limit=0',
    'limit=501',
    'limit=x',
    'from=yesterday',
    'cursor=not-a-cursor',
    'unknown=1',
    'streamId=a%00b',
    'actor=%00',
  ])('refuses %s with a 400 problem', async (query) => {
    const response = await get(`/v1/audit/events?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('checkpoints and the public key', () => {
  it('verifies the latest checkpoint note with the published key', async () => {
    const keyResponse = await get('/v1/audit/public-key', cr);
    expect(keyResponse.statusCode).toBe(200);
    const key = keyResponse.json();
    expect(key).toMatchObject({ keyName: AUDIT_KEY_NAME, keyId: expect.stringMatching(/^[0-9a-f]{8}$/) });
    const publicKey = createPublicKey(key.publicKeyPem);
    expect(publicKey.export({ format: 'der', type: 'spki' })).toEqual(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));

    const latestResponse = await get('/v1/audit/checkpoints/latest', cr);
    expect(latestResponse.statusCode).toBe(200);
    const cp = latestResponse.json();
    expect(cp).toMatchObject({
      treeSize: await eventCount(),
      rootHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      chainHead: expect.stringMatching(/^[0-9a-f]{64}$/),
      keyId: key.keyId,
    });
    // C2SP signed note: body, blank line, "— <name> <base64(keyId ‖ signature)>".
    const split = cp.note.indexOf('\n\n');
    const body = cp.note.slice(0, split + 1);
    expect(body).toBe(`${AUDIT_KEY_NAME}\n${cp.treeSize}\n${Buffer.from(cp.rootHash, 'hex').toString('base64')}\n${body.split('\n').slice(3).join('\n')}`);
    const sigLine = cp.note.slice(split + 2).replace(/\n$/u, '');
    const prefix = `\u2014 ${key.keyName} `;
    expect(sigLine.startsWith(prefix)).toBe(true);
    const blob = Buffer.from(sigLine.slice(prefix.length), 'base64');
    expect(blob).toHaveLength(68);
    expect(blob.subarray(0, 4).toString('hex')).toBe(key.keyId);
    expect(verify(null, Buffer.from(body, 'utf8'), publicKey, blob.subarray(4))).toBe(true);
    const flipped = Buffer.from(body, 'utf8');
    flipped[flipped.length - 2]! ^= 1;
    expect(verify(null, flipped, publicKey, blob.subarray(4))).toBe(false);
  });

  it('lists checkpoints in ascending tree size, after a tree size and by cursor', async () => {
    const all = (await get('/v1/audit/checkpoints?limit=500')).json();
    expect(all.nextCursor).toBeNull();
    const sizes = (all.items as Checkpoint[]).map((c) => c.treeSize);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    expect(new Set(sizes).size).toBe(sizes.length);
    expect((await get(`/v1/audit/checkpoints?after=${sizes[0]}&limit=500`, cr)).json().items.map((c: Checkpoint) => c.treeSize)).toEqual(sizes.slice(1));
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/audit/checkpoints?limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = (await get(url)).json();
      seen.push(...page.items.map((c: Checkpoint) => c.treeSize));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(sizes);
    expect((await get('/v1/audit/checkpoints?after=abc')).statusCode).toBe(400);
    expect((await get('/v1/audit/checkpoints?after=99999999999999999999')).statusCode).toBe(400);
  });

  it('lets anyone read checkpoints and the keys, with or without a token (outside verifiers need them)', async () => {
    expect((await get('/v1/audit/checkpoints/latest', pa)).statusCode).toBe(200);
    expect((await get('/v1/audit/public-key', pa)).statusCode).toBe(200);
    expect((await get('/v1/audit/public-key', officer)).statusCode).toBe(200);
    const anonymous = await t.request({ method: 'GET', url: '/v1/audit/public-key' });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual((await get('/v1/audit/public-key', pa)).json());
    const latest = await t.request({ method: 'GET', url: '/v1/audit/checkpoints/latest' });
    expect(latest.statusCode).toBe(200);
    expect(latest.json()).toEqual((await get('/v1/audit/checkpoints/latest', pa)).json());
    expect((await t.request({ method: 'GET', url: '/v1/audit/checkpoints' })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/v1/audit/public-keys' })).statusCode).toBe(200);
    expect((await get('/v1/audit/checkpoints/latest', officer)).statusCode).toBe(200);
    expect((await get('/v1/audit/checkpoints', officer)).statusCode).toBe(200);
  });
});

describe('without AUDIT_SIGNING_KEY (NODE_ENV=test: an ephemeral key)', () => {
  it('publishes the same key the sealer signs with, since both share one instance', async () => {
    const other = await createTestApp({ env: { CHECKPOINT_MAX_EVENTS: '1', CHECKPOINT_INTERVAL_MS: '200' } });
    try {
      const token = await other.token('auditor');
      const partner = await other.token('partner', { country: 'CR', sub: 'cr-csirt' });
      const filed = await other.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${partner}` }, payload: capacityBody() });
      expect(filed.statusCode).toBe(201);
      const cp = await eventually(async () => {
        const response = await other.request({ method: 'GET', url: '/v1/audit/checkpoints/latest', headers: { authorization: `Bearer ${token}` } });
        return response.statusCode === 200 ? response.json() : undefined;
      });
      const key = (await other.request({ method: 'GET', url: '/v1/audit/public-key', headers: { authorization: `Bearer ${token}` } })).json();
      expect(cp.keyId).toBe(key.keyId);
      const split = cp.note.indexOf('\n\n');
      const blob = Buffer.from(cp.note.slice(split + 2).trim().split(' ').at(-1), 'base64');
      expect(verify(null, Buffer.from(cp.note.slice(0, split + 1), 'utf8'), createPublicKey(key.publicKeyPem), blob.subarray(4))).toBe(true);
    } finally {
      await other.close();
    }
  }, 30_000);
});
