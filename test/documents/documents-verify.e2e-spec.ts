import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';
import { uploadFile } from '../support/documents';

let t: TestApp;
let cr: string;
let auditor: string;
const documents: { id: string; sha256: string }[] = [];

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  auditor = await t.token('auditor', { sub: 'auditor-ines' });
  const filed = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${cr}` }, payload: incidentBody() });
  const id: string = filed.json().id;
  for (const [name, text] of [
    ['one.txt', 'first document\n'],
    ['two.txt', `second document\n${'x'.repeat(3_000_000)}\n`],
    ['three.txt', 'first document\n'],
  ] as const) {
    const response = await uploadFile(t, cr, id, name, Buffer.from(text), { tlp: 'RED' });
    expect(response.statusCode).toBe(201);
    documents.push(response.json());
  }
});
afterAll(async () => {
  await t.close();
});

async function verify(query = '?documents=true') {
  const response = await t.request({ method: 'GET', url: `/v1/audit/verify${query}`, headers: { authorization: `Bearer ${auditor}` } });
  expect(response.statusCode).toBe(200);
  return response.json() as { ok: boolean; verifiedDocuments?: number; firstMismatch?: { documentId?: string; reason: string } };
}

/** One stored chunk of a blob, as a superuser tampering with the store would read it. */
async function chunkOf(sha256: string, seq: number): Promise<Buffer> {
  const { rows } = await t.pool.query<{ data: Buffer }>(
    'SELECT c.data FROM document_chunks c JOIN document_blobs b ON b.id = c.blob_id WHERE b.sha256 = $1 AND c.seq = $2',
    [sha256, seq],
  );
  return rows[0]!.data;
}

async function setChunk(sha256: string, seq: number, data: Buffer): Promise<void> {
  await t.pool.query('UPDATE document_chunks c SET data = $3 FROM document_blobs b WHERE b.id = c.blob_id AND b.sha256 = $1 AND c.seq = $2', [sha256, seq, data]);
}

describe('GET /v1/audit/verify?documents=true', () => {
  it('re-hashes every stored document: all intact', async () => {
    expect(await verify()).toMatchObject({ ok: true, verifiedDocuments: 3 });
    expect((await verify('')).verifiedDocuments).toBeUndefined();
  });

  it('names the first document whose stored bytes were changed, and passes again once they are restored', async () => {
    const second = documents[1]!;
    const original = await chunkOf(second.sha256, 2);
    const tampered = Buffer.from(original);
    tampered[100] = tampered[100]! ^ 0x01;
    await setChunk(second.sha256, 2, tampered);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstMismatch?.documentId).toBe(second.id);
    expect(result.firstMismatch?.reason).toContain('changed');
    expect(result.verifiedDocuments).toBe(1);
    await setChunk(second.sha256, 2, original);
    expect((await verify()).ok).toBe(true);
  });

  it('names the first document whose content is missing', async () => {
    const first = documents[0]!;
    const { rows } = await t.pool.query<{ id: string; size: string; chunks: number; stored_at: Date }>('SELECT id, size, chunks, stored_at FROM document_blobs WHERE sha256 = $1', [first.sha256]);
    const chunk = await chunkOf(first.sha256, 0);
    await t.pool.query('DELETE FROM document_blobs WHERE sha256 = $1', [first.sha256]);
    const result = await verify();
    expect(result).toMatchObject({ ok: false, verifiedDocuments: 0, firstMismatch: { documentId: first.id } });
    expect(result.firstMismatch?.reason).toContain('missing');
    const row = rows[0]!;
    await t.pool.query('INSERT INTO document_blobs (id, sha256, size, chunks, stored_at) VALUES ($1, $2, $3, $4, $5)', [row.id, first.sha256, row.size, row.chunks, row.stored_at]);
    await t.pool.query('INSERT INTO document_chunks (blob_id, seq, data) VALUES ($1, 0, $2)', [row.id, chunk]);
    expect((await verify()).ok).toBe(true);
  });

  it('refuses documents=yes with 400 naming it', async () => {
    const response = await t.request({ method: 'GET', url: '/v1/audit/verify?documents=yes', headers: { authorization: `Bearer ${auditor}` } });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain('documents');
  });
});
