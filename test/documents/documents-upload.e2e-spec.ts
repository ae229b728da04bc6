import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { eventually } from '@app/testing';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';
import { REFUSED, SAMPLES, storedBlobs, upload, uploadFile } from '../support/documents';
import { startS3, type TestS3 } from '../support/s3';

const MAX_BYTES = 300_000;

/*
 * The document contract, run against each store (DOCUMENT_STORE=postgres, and s3 against a real
 * S3-compatible server started here).
 */
describe.each(['postgres', 's3'] as const)('documents stored in %s', (store) => {
  let t: TestApp;
  let s3: TestS3 | undefined;
  let cr: string;
  let vn: string;
  let officer: string;
  let auditor: string;

  beforeAll(async () => {
    if (store === 's3') s3 = await startS3();
    t = await createTestApp({ env: { APP_ROLE: 'api', DOCUMENT_MAX_BYTES: String(MAX_BYTES), DOCUMENT_MAX_PER_REQUEST: '3', ...s3?.env } });
    cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
    vn = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
    officer = await t.token('officer', { sub: 'officer-ana' });
    auditor = await t.token('auditor', { sub: 'auditor-1' });
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await s3?.close();
  });

  /** What the store holds: committed blobs and anything staged (database rows, or S3 objects). */
  async function stored(): Promise<{ blobs: number; staged: number; chunks?: number }> {
    if (s3 === undefined) return storedBlobs(t);
    return { blobs: (await s3.keys('blobs/')).length, staged: (await s3.keys('uploads/')).length };
  }

  async function fileRequest(): Promise<string> {
    const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${cr}` }, payload: incidentBody() });
    expect(response.statusCode).toBe(201);
    return response.json().id as string;
  }

  function get(token: string, url: string) {
    return t.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  }

  function sha256(bytes: Buffer): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  /** Runs `act` and checks that it left no document, no event and no blob behind. */
  async function leavesNothing(act: () => Promise<void>): Promise<void> {
    const events = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    const blobs = await stored();
    await act();
    await eventually(async () => JSON.stringify(await stored()) === JSON.stringify(blobs), { timeoutMs: 3000 }).catch(() => undefined);
    expect(await stored()).toEqual(blobs);
    const after = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0]!.n).toBe(events.rows[0]!.n);
  }

  describe('POST /v1/aid-requests/:id/documents', () => {
    it.each(Object.entries(SAMPLES))('accepts %s by its content, records DocumentAttached and serves it back', async (_, sample) => {
      const id = await fileRequest();
      const response = await uploadFile(t, cr, id, sample.name, sample.bytes, { kind: 'evidence' });
      expect(response.statusCode).toBe(201);
      const document = response.json();
      expect(document).toEqual({
        id: expect.any(String),
        requestId: id,
        name: sample.name,
        mediaType: sample.mediaType,
        size: sample.bytes.length,
        sha256: sha256(sample.bytes),
        kind: 'evidence',
        tlp: 'AMBER',
        uploadedBy: { sub: 'cr-csirt', role: 'partner' },
        uploadedAt: '2026-11-28T10:00:00.000Z',
      });
      expect(response.headers['location']).toBe(`/v1/aid-requests/${id}/documents/${document.id}`);

      const { rows } = await t.pool.query<{ data: unknown }>(`SELECT data FROM events WHERE stream_id = $1 AND event_type = 'DocumentAttached'`, [`aid-request-${id}`]);
      expect(rows.map((r) => r.data)).toEqual([document]);
      expect((await get(officer, response.headers['location']!)).json()).toEqual(document);
      expect((await get(auditor, `/v1/aid-requests/${id}/documents`)).json()).toEqual({ items: [document] });

      const content = await fetch(`${t.baseUrl}${response.headers['location']}/content`, { headers: { authorization: `Bearer ${cr}` } });
      expect(content.status).toBe(200);
      expect(Buffer.from(await content.arrayBuffer())).toEqual(sample.bytes);
      expect(content.headers.get('content-type')).toBe(sample.mediaType);
      expect(content.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${sample.name}`);
      expect(content.headers.get('etag')).toBe(`"${sha256(sample.bytes)}"`);
      expect(content.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(sample.bytes).digest('base64')}:`);
      expect(content.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it.each(Object.entries(REFUSED))('refuses %s content named .pdf with 415, leaving nothing', async (_, bytes) => {
      const id = await fileRequest();
      await leavesNothing(async () => {
        const response = await uploadFile(t, cr, id, 'budget.pdf', bytes);
        expect(response.statusCode).toBe(415);
        expect(response.headers['content-type']).toContain('application/problem+json');
      });
    });

    it('refuses text that stops being UTF-8 after the first 64 KiB with 415, leaving nothing', async () => {
      const id = await fileRequest();
      const bytes = Buffer.concat([Buffer.alloc(70_000, 'a'), Buffer.from([0xff, 0xfe])]);
      await leavesNothing(async () => {
        const response = await uploadFile(t, cr, id, 'long.txt', bytes);
        expect(response.statusCode).toBe(415);
      });
    });

    it('takes a file of exactly DOCUMENT_MAX_BYTES and refuses one byte more with 413, leaving nothing', async () => {
      const id = await fileRequest();
      const exact = Buffer.alloc(MAX_BYTES, 'x');
      expect((await uploadFile(t, cr, id, 'max.txt', exact)).statusCode).toBe(201);
      await leavesNothing(async () => {
        const response = await uploadFile(t, cr, id, 'over.txt', Buffer.alloc(MAX_BYTES + 1, 'y'));
        expect(response.statusCode).toBe(413);
      });
    });

    it('refuses an empty file, no file part, two file parts, another part name, and bad kind or tlp with 400 naming the field', async () => {
      const id = await fileRequest();
      const pdf = SAMPLES.pdf.bytes;
      const cases: [Parameters<typeof upload>[3], string][] = [
        [[{ name: 'file', filename: 'empty.pdf', content: Buffer.alloc(0) }], 'file'],
        [[{ name: 'kind', content: 'budget' }], 'file'],
        [
          [
            { name: 'file', filename: 'a.pdf', content: pdf },
            { name: 'file', filename: 'b.pdf', content: pdf },
          ],
          'file',
        ],
        [[{ name: 'attachment', filename: 'a.pdf', content: pdf }], 'attachment'],
        [[{ name: 'kind', content: 'invoice' }, { name: 'file', filename: 'a.pdf', content: pdf }], 'kind'],
        [[{ name: 'file', filename: 'a.pdf', content: pdf }, { name: 'tlp', content: 'WHITE' }], 'tlp'],
      ];
      for (const [parts, field] of cases) {
        await leavesNothing(async () => {
          const response = await upload(t, cr, id, parts);
          expect(response.statusCode).toBe(400);
          expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
        });
      }
      const json = await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/documents`, headers: { authorization: `Bearer ${cr}` }, payload: { file: 'x' } });
      expect(json.statusCode).toBe(400);
    });

    it('answers malformed multipart bodies with 400 problem+json, never a 5xx, leaving nothing', async () => {
      const id = await fileRequest();
      const bodies: [string, string][] = [
        ['multipart/form-data', 'garbage'],
        ['multipart/form-data; boundary=xyz', 'garbage'],
        ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\ncut short'],
        ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data\r\n\r\nbudget\r\n--xyz--\r\n'],
        ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\nnot a file part\r\n--xyz--\r\n'],
      ];
      for (const [type, payload] of bodies) {
        await leavesNothing(async () => {
          const response = await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/documents`, headers: { authorization: `Bearer ${cr}`, 'content-type': type }, payload });
          expect(response.statusCode).toBe(400);
          expect(response.headers['content-type']).toContain('application/problem+json');
        });
      }
    });

    it('keeps the same bytes once, however often they are attached', async () => {
      const id = await fileRequest();
      const before = await stored();
      const bytes = Buffer.from('The same evidence, attached twice.\n');
      const first = await uploadFile(t, cr, id, 'a.txt', bytes);
      const second = await uploadFile(t, officer, id, 'b.txt', bytes, { tlp: 'GREEN', kind: 'evidence' });
      expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
      expect(first.json().sha256).toBe(second.json().sha256);
      expect(first.json().id).not.toBe(second.json().id);
      expect((await stored()).blobs).toBe(before.blobs + 1);
      expect(second.json().uploadedBy).toEqual({ sub: 'officer-ana', role: 'officer' });
    });

    it('keeps the bytes whole when uploads of the same new file race and some are refused', async () => {
      // A full request refuses its uploads only after the bytes are stored; a refused upload
      // must not take the blob away from the ones attached meanwhile to other requests.
      const full = await fileRequest();
      for (let i = 0; i < 3; i++) expect((await uploadFile(t, cr, full, `n${i}.txt`, Buffer.from(`filler ${i}\n`))).statusCode).toBe(201);
      for (let round = 0; round < 3; round++) {
        const open = await Promise.all([fileRequest(), fileRequest(), fileRequest()]);
        const bytes = Buffer.from(`Evidence shared by several requests, round ${round}.\n`);
        const before = await stored();
        const racing = await Promise.all([...open, full, full, full, full].map((id) => uploadFile(t, cr, id, 'shared.txt', bytes)));
        expect(racing.map((response) => response.statusCode)).toEqual([201, 201, 201, 409, 409, 409, 409]);
        expect(await stored()).toEqual({ ...before, blobs: before.blobs + 1, ...(before.chunks === undefined ? {} : { chunks: before.chunks + 1 }) });
        for (const [i, id] of open.entries()) {
          const content = await fetch(`${t.baseUrl}/v1/aid-requests/${id}/documents/${racing[i]!.json().id}/content`, { headers: { authorization: `Bearer ${cr}` } });
          expect(content.status).toBe(200);
          expect(Buffer.from(await content.arrayBuffer())).toEqual(bytes);
        }
      }
    });

    it('refuses more than DOCUMENT_MAX_PER_REQUEST documents with 409, leaving nothing', async () => {
      const id = await fileRequest();
      for (let i = 0; i < 3; i++) expect((await uploadFile(t, cr, id, `n${i}.txt`, Buffer.from(`note ${i}\n`))).statusCode).toBe(201);
      await leavesNothing(async () => {
        const response = await uploadFile(t, cr, id, 'n4.txt', Buffer.from('one too many\n'));
        expect(response.statusCode).toBe(409);
      });
    });

    it('refuses a withdrawn request with 409, leaving nothing', async () => {
      const id = await fileRequest();
      expect((await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/withdraw`, headers: { authorization: `Bearer ${cr}` }, payload: {} })).statusCode).toBe(200);
      await leavesNothing(async () => {
        const response = await uploadFile(t, cr, id, 'late.pdf', SAMPLES.pdf.bytes);
        expect(response.statusCode).toBe(409);
        expect(response.json().detail).toContain('withdrawn');
      });
    });

    it('keeps other countries out (404) and auditors from uploading (403)', async () => {
      const id = await fileRequest();
      const stored = (await uploadFile(t, cr, id, 'a.pdf', SAMPLES.pdf.bytes)).json();
      await leavesNothing(async () => {
        expect((await uploadFile(t, vn, id, 'b.pdf', SAMPLES.pdf.bytes)).statusCode).toBe(404);
        expect((await uploadFile(t, auditor, id, 'b.pdf', SAMPLES.pdf.bytes)).statusCode).toBe(403);
      });
      expect((await get(vn, `/v1/aid-requests/${id}/documents`)).statusCode).toBe(404);
      expect((await get(vn, `/v1/aid-requests/${id}/documents/${stored.id}`)).statusCode).toBe(404);
      expect((await get(vn, `/v1/aid-requests/${id}/documents/${stored.id}/content`)).statusCode).toBe(404);
      expect((await get(cr, `/v1/aid-requests/${id}/documents/not-a-uuid`)).statusCode).toBe(404);
    });

    it('a client that aborts mid-upload leaves nothing behind', async () => {
      const id = await fileRequest();
      await leavesNothing(async () => {
        const boundary = 'cdtboundary0123456789';
        const req = httpRequest(`${t.baseUrl}/v1/aid-requests/${id}/documents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${cr}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(MAX_BYTES) },
        });
        req.on('error', () => undefined);
        req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`);
        req.write(Buffer.alloc(150_000, 'z'));
        // The server has begun storing the upload; then the client goes away.
        if (s3 === undefined) await eventually(async () => (await storedBlobs(t)).staged > 0);
        else await new Promise((resolve) => setTimeout(resolve, 300));
        req.destroy();
      });
    });

    it('answers a retry with the same Idempotency-Key with the first document, and another file under it with 422', async () => {
      const id = await fileRequest();
      const headers = { 'idempotency-key': 'upload-once' };
      const first = await upload(t, cr, id, [{ name: 'file', filename: 'a.txt', content: Buffer.from('first\n') }], headers);
      const again = await upload(t, cr, id, [{ name: 'file', filename: 'a.txt', content: Buffer.from('first\n') }], headers);
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect((await get(cr, `/v1/aid-requests/${id}/documents`)).json().items).toHaveLength(1);
      const other = await upload(t, cr, id, [{ name: 'file', filename: 'a.txt', content: Buffer.from('second\n') }], headers);
      expect(other.statusCode).toBe(422);
    });

    it('attaches one document for uploads racing under one Idempotency-Key: the others get its answer or 409', async () => {
      const id = await fileRequest();
      const headers = { 'idempotency-key': 'upload-race' };
      const racing = await Promise.all(
        Array.from({ length: 6 }, () => upload(t, cr, id, [{ name: 'file', filename: 'race.txt', content: Buffer.from('the same bytes\n') }], headers)),
      );
      const statuses = racing.map((response) => response.statusCode);
      expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
      const created = racing.filter((response) => response.statusCode === 201);
      expect(created.length).toBeGreaterThan(0);
      expect(new Set(created.map((response) => response.json().id)).size).toBe(1);
      expect((await get(cr, `/v1/aid-requests/${id}/documents`)).json().items).toHaveLength(1);
      const timeline = (await get(cr, `/v1/aid-requests/${id}/timeline`)).json().items as { type: string }[];
      expect(timeline.filter((event) => event.type === 'DocumentAttached')).toHaveLength(1);
    });
  });
});
