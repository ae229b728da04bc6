import { StagedUploadPurger } from '../../src/documents/storage/staged-upload-purger';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
});
afterAll(async () => {
  await t.close();
});

describe('uploads left staged by a process that died mid-upload', () => {
  it('are deleted, with their chunks, once a day old; committed blobs and younger uploads stay', async () => {
    // The start-up purge is done first (purges run one after another), so it cannot take these rows.
    await t.app.get(StagedUploadPurger).purge();
    const now = t.clock.now().getTime();
    const rows: [string, string | null, number][] = [
      ['01938a00-0000-7000-8000-000000000001', null, now - 25 * 3_600_000],
      ['01938a00-0000-7000-8000-000000000002', null, now - 3_600_000],
      ['01938a00-0000-7000-8000-000000000003', 'a'.repeat(64), now - 30 * 3_600_000],
    ];
    for (const [id, sha256, startedAt] of rows) {
      await t.pool.query('INSERT INTO document_blobs (id, sha256, started_at) VALUES ($1, $2, $3)', [id, sha256, new Date(startedAt)]);
      await t.pool.query('INSERT INTO document_chunks (blob_id, seq, data) VALUES ($1, 0, $2)', [id, Buffer.from('partial')]);
    }
    expect(await t.app.get(StagedUploadPurger).purge()).toBe(1);
    const { rows: left } = await t.pool.query<{ id: string }>('SELECT id::text AS id FROM document_blobs ORDER BY id');
    expect(left.map((r) => r.id)).toEqual([rows[1]![0], rows[2]![0]]);
    const { rows: chunks } = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM document_chunks');
    expect(chunks[0]!.n).toBe(2);
  });
});
