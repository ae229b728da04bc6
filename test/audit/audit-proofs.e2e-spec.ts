import { auditLeafHash, canonicalJson, consistencyProof, inclusionProof, verifyConsistency, verifyInclusion } from '@app/event-store';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { AuditExporter } from '../../src/audit/http/audit-export';
import { GetConsistencyProofHandler, GetConsistencyProofQuery, GetInclusionProofHandler, GetInclusionProofQuery } from '../../src/audit/http/audit-proofs.query';
import { MERKLE_CACHE_MAX_HASHES, MerkleUpperLevelCache } from '../../src/audit/http/merkle-upper-level-cache';
import { fileAuditedRequests } from '../support/audit';
import { createTestApp, type TestApp } from '../support/test-app';

const { privateKey } = generateKeyPairSync('ed25519');
const PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

let t: TestApp;
let auditor: string;
let cr: string;
let pa: string;
const ids: string[] = [];

interface AuditEvent {
  seq: number;
  position: number;
  streamId: string;
  type: string;
  data: { country?: string } & Record<string, unknown>;
  metadata: { actor?: { sub?: string; country?: string } } & Record<string, unknown>;
}

interface Checkpoint {
  treeSize: number;
  rootHash: string;
}

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

async function get(url: string, token = auditor) {
  return t.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

async function allCheckpoints(): Promise<Checkpoint[]> {
  const response = await get('/v1/audit/checkpoints?limit=500');
  expect(response.statusCode).toBe(200);
  return response.json().items as Checkpoint[];
}

async function sealedEvents(): Promise<AuditEvent[]> {
  const response = await get('/v1/audit/events?limit=500');
  expect(response.statusCode).toBe(200);
  return response.json().items as AuditEvent[];
}

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'all', AUDIT_SIGNING_KEY: PEM, CHECKPOINT_MAX_EVENTS: '3', CHECKPOINT_INTERVAL_MS: '200' } });
  auditor = await t.token('auditor', { sub: 'auditor-ines' });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  pa = await t.token('partner', { country: 'PA', sub: 'pa-csirt' });
  ids.push(...(await fileAuditedRequests(t, { cr, pa })));
}, 30_000);
afterAll(async () => {
  await t.close();
});

describe('GET /v1/audit/events/:position/proof', () => {
  it("proves every sealed event's inclusion in the latest checkpoint, and a flipped element fails", async () => {
    const latest = (await get('/v1/audit/checkpoints/latest')).json() as Checkpoint;
    const events = (await sealedEvents()).filter((e) => e.seq < latest.treeSize);
    expect(events.length).toBe(latest.treeSize);
    expect(events.length).toBeGreaterThanOrEqual(6);
    for (const event of events) {
      const response = await get(`/v1/audit/events/${event.position}/proof`);
      expect(response.statusCode).toBe(200);
      const proof = response.json();
      expect(proof).toMatchObject({ seq: event.seq, treeSize: latest.treeSize });
      const path = (proof.auditPath as string[]).map(hex);
      expect(verifyInclusion(hex(proof.leafHash), proof.seq, proof.treeSize, path, hex(latest.rootHash))).toBe(true);
      expect(hex(proof.leafHash)).toEqual(auditLeafHash(event as never));
      for (let i = 0; i < path.length; i++) {
        const flipped = path.map((h) => Buffer.from(h));
        flipped[i]![0]! ^= 1;
        expect(verifyInclusion(hex(proof.leafHash), proof.seq, proof.treeSize, flipped, hex(latest.rootHash))).toBe(false);
      }
      const leaf = hex(proof.leafHash);
      leaf[31]! ^= 0x80;
      expect(verifyInclusion(leaf, proof.seq, proof.treeSize, path, hex(latest.rootHash))).toBe(false);
    }
  });

  it('proves every event against every checkpoint that covers it (every shape of tree the ledger has had)', async () => {
    const checkpoints = await allCheckpoints();
    const events = await sealedEvents();
    let proofs = 0;
    for (const checkpoint of checkpoints) {
      for (const event of events.filter((e) => e.seq < checkpoint.treeSize)) {
        const response = await get(`/v1/audit/events/${event.position}/proof?treeSize=${checkpoint.treeSize}`);
        expect(response.statusCode).toBe(200);
        const proof = response.json();
        const path = (proof.auditPath as string[]).map(hex);
        expect(verifyInclusion(hex(proof.leafHash), event.seq, checkpoint.treeSize, path, hex(checkpoint.rootHash))).toBe(true);
        proofs += 1;
      }
    }
    expect(proofs).toBeGreaterThanOrEqual(20);
  });

  it('proves against an older checkpoint by treeSize; 404 for a missing checkpoint, an event not in it, or an unknown position', async () => {
    const checkpoints = await allCheckpoints();
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    const older = checkpoints[0]!;
    const events = await sealedEvents();
    const inside = events[older.treeSize - 1]!;
    const response = await get(`/v1/audit/events/${inside.position}/proof?treeSize=${older.treeSize}`);
    expect(response.statusCode).toBe(200);
    const proof = response.json();
    expect(proof.treeSize).toBe(older.treeSize);
    expect(verifyInclusion(hex(proof.leafHash), proof.seq, older.treeSize, (proof.auditPath as string[]).map(hex), hex(older.rootHash))).toBe(true);

    const outside = events[older.treeSize]!;
    expect((await get(`/v1/audit/events/${outside.position}/proof?treeSize=${older.treeSize}`)).statusCode).toBe(404);
    const sizes = new Set(checkpoints.map((c) => c.treeSize));
    const missing = [...Array(events.length + 2).keys()].find((n) => n > 0 && !sizes.has(n))!;
    expect((await get(`/v1/audit/events/${inside.position}/proof?treeSize=${missing}`)).statusCode).toBe(404);
    expect((await get('/v1/audit/events/999999999/proof')).statusCode).toBe(404);
    expect((await get('/v1/audit/events/abc/proof')).statusCode).toBe(404);
    expect((await get(`/v1/audit/events/${inside.position}/proof?treeSize=-1`)).statusCode).toBe(400);
  });

  it("gives a partner proofs for its own country's events and 404 (as for an unknown position) for another's", async () => {
    const latest = (await get('/v1/audit/checkpoints/latest')).json() as Checkpoint;
    const events = await sealedEvents();
    const countryOfRequest = new Map([ids[0], ids[1], ids[2]].map((id, i) => [`aid-request-${id}`, i < 2 ? 'CR' : 'PA']));
    // Its requests' events, whoever recorded them (the triage too), and what its people recorded.
    const isCountry = (e: AuditEvent, c: string) => countryOfRequest.get(e.streamId) === c || e.metadata?.actor?.country === c || e.data?.country === c;
    const panamaTriaged = events.find((e) => e.type === 'AidRequestTriaged' && e.streamId === `aid-request-${ids[2]}`);
    expect(panamaTriaged?.metadata.actor?.country).toBeUndefined();
    expect((await get(`/v1/audit/events/${panamaTriaged!.position}/proof`, pa)).statusCode).toBe(200);
    expect((await get(`/v1/audit/events/${panamaTriaged!.position}/proof`, cr)).statusCode).toBe(404);
    const panama = events.find((e) => e.type === 'AidRequestFiled' && e.streamId === `aid-request-${ids[2]}`)!;
    const costaRica = events.find((e) => e.type === 'AidRequestFiled' && e.streamId === `aid-request-${ids[0]}`)!;
    expect(isCountry(panama, 'PA')).toBe(true);
    expect(isCountry(costaRica, 'PA')).toBe(false);

    const own = await get(`/v1/audit/events/${panama.position}/proof`, pa);
    expect(own.statusCode).toBe(200);
    const proof = own.json();
    expect(verifyInclusion(hex(proof.leafHash), proof.seq, proof.treeSize, (proof.auditPath as string[]).map(hex), hex(latest.rootHash))).toBe(true);
    expect((await get(`/v1/audit/events/${costaRica.position}/proof`, cr)).statusCode).toBe(200);

    const other = await get(`/v1/audit/events/${costaRica.position}/proof`, pa);
    const unknown = await get('/v1/audit/events/999999999/proof', pa);
    expect(other.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    const strip = (body: string) => {
      const { instance: _instance, ...rest } = JSON.parse(body) as Record<string, unknown>;
      return rest;
    };
    expect(strip(other.body)).toEqual(strip(unknown.body));
    // Every event of another country is hidden from PA.
    for (const e of events.filter((x) => !isCountry(x, 'PA'))) {
      expect((await get(`/v1/audit/events/${e.position}/proof`, pa)).statusCode).toBe(404);
    }
  });
});

describe('the upper Merkle levels held in memory', () => {
  /** Every leaf hash in seq order, each sealed event's position, and every checkpoint's size: the tree itself. */
  async function ledger() {
    const { rows } = await t.pool.query<{ position: string; leaf_hash: Buffer }>('SELECT global_position::text AS position, leaf_hash FROM audit_ledger ORDER BY seq');
    const sizes = await t.pool.query<{ tree_size: string }>('SELECT tree_size::text FROM audit_checkpoints ORDER BY tree_size');
    return { leaves: rows.map((r) => r.leaf_hash), positions: rows.map((r) => Number(r.position)), sizes: sizes.rows.map((r) => Number(r.tree_size)) };
  }

  // Bounds that hold every level ≥ 1, only the upper ones, and (1) almost nothing.
  it.each([MERKLE_CACHE_MAX_HASHES, 5, 1])(
    'gives, cold and then warm (bound %i), the proofs RFC 9162 gives over all leaves, for every checkpoint and event',
    async (bound) => {
      const { leaves, positions, sizes } = await ledger();
      expect(sizes.length).toBeGreaterThanOrEqual(2);
      const cache = new MerkleUpperLevelCache(t.pool, bound);
      const inclusion = new GetInclusionProofHandler(t.pool, cache);
      const consistency = new GetConsistencyProofHandler(t.pool, cache);
      const latest = sizes[sizes.length - 1]!;
      const expected = (seq: number, n: number) => inclusionProof(seq, leaves.slice(0, n)).map((h) => h.toString('hex'));

      // Cold: nothing held, every node from the database; the first proof starts the read (up to the
      // latest checkpoint then: the app may have sealed more meanwhile).
      expect(cache.snapshot().coveredSize).toBe(0);
      const cold = await inclusion.execute(new GetInclusionProofQuery(positions[0]!, latest, undefined));
      expect(cold).toEqual({ ok: true, value: { seq: 0, treeSize: latest, leafHash: leaves[0]!.toString('hex'), auditPath: expected(0, latest) } });
      await cache.settled();
      const held = cache.snapshot();
      expect(held.coveredSize).toBeGreaterThanOrEqual(latest);
      expect(held.size).toBeLessThanOrEqual(bound);
      if (bound === MERKLE_CACHE_MAX_HASHES) expect(held.lowestLevel).toBe(1);

      // Warm: for older checkpoints too, where some held nodes are not complete subtrees of that tree.
      for (const n of sizes) {
        for (let seq = 0; seq < n; seq++) {
          const answer = await inclusion.execute(new GetInclusionProofQuery(positions[seq]!, n, undefined));
          expect(answer).toEqual({ ok: true, value: { seq, treeSize: n, leafHash: leaves[seq]!.toString('hex'), auditPath: expected(seq, n) } });
        }
        for (const m of sizes.filter((size) => size <= n)) {
          const answer = await consistency.execute(new GetConsistencyProofQuery(m, n));
          expect(answer).toEqual({ ok: true, value: { from: m, to: n, proof: consistencyProof(m, leaves.slice(0, n)).map((h) => h.toString('hex')) } });
        }
      }
      expect(cache.snapshot()).toBe(held);
    },
  );

  it('serves a partner only its own country\'s events, with the nodes held as without', async () => {
    const cache = new MerkleUpperLevelCache(t.pool);
    const inclusion = new GetInclusionProofHandler(t.pool, cache);
    const events = await sealedEvents();
    const costaRica = events.find((e) => e.type === 'AidRequestFiled' && e.streamId === `aid-request-${ids[0]}`)!;
    const cold = await inclusion.execute(new GetInclusionProofQuery(costaRica.position, undefined, 'CR'));
    await cache.settled();
    expect(cache.snapshot().coveredSize).toBeGreaterThan(0);
    expect(await inclusion.execute(new GetInclusionProofQuery(costaRica.position, undefined, 'CR'))).toEqual(cold);
    expect(cold.ok).toBe(true);
    expect(await inclusion.execute(new GetInclusionProofQuery(costaRica.position, undefined, 'PA'))).toEqual({ ok: false, reason: 'event_not_found' });
  });
});

describe('GET /v1/audit/checkpoints/consistency', () => {
  it('proves every pair of checkpoints consistent; a flipped element fails', async () => {
    const checkpoints = await allCheckpoints();
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    for (const a of checkpoints) {
      for (const b of checkpoints.filter((c) => c.treeSize >= a.treeSize)) {
        const response = await get(`/v1/audit/checkpoints/consistency?from=${a.treeSize}&to=${b.treeSize}`, cr);
        expect(response.statusCode).toBe(200);
        const body = response.json();
        expect(body).toMatchObject({ from: a.treeSize, to: b.treeSize });
        const proof = (body.proof as string[]).map(hex);
        expect(verifyConsistency(a.treeSize, b.treeSize, proof, hex(a.rootHash), hex(b.rootHash))).toBe(true);
        if (proof.length > 0) {
          proof[0]![0]! ^= 1;
          expect(verifyConsistency(a.treeSize, b.treeSize, proof, hex(a.rootHash), hex(b.rootHash))).toBe(false);
        }
      }
    }
  });

  it('400 for from > to or bad input, 404 for a tree size with no checkpoint', async () => {
    const checkpoints = await allCheckpoints();
    const [a, b] = [checkpoints[0]!, checkpoints.at(-1)!];
    expect((await get(`/v1/audit/checkpoints/consistency?from=${b.treeSize}&to=${a.treeSize}`)).statusCode).toBe(400);
    expect((await get(`/v1/audit/checkpoints/consistency?from=x&to=${a.treeSize}`)).statusCode).toBe(400);
    expect((await get(`/v1/audit/checkpoints/consistency?to=${a.treeSize}`)).statusCode).toBe(400);
    expect((await get(`/v1/audit/checkpoints/consistency?from=${a.treeSize}&to=${b.treeSize + 1000}`)).statusCode).toBe(404);
  });
});

describe('GET /v1/audit/export', () => {
  it('streams NDJSON in ledger order with recomputable leaf hashes and checkpoint lines after seq = treeSize - 1', async () => {
    const response = await get('/v1/audit/export');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(response.body.endsWith('\n')).toBe(true);
    const lines = response.body.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const events = await sealedEvents();
    const eventLines = lines.filter((l) => !('checkpoint' in l));
    expect(eventLines.map((l) => l.seq)).toEqual(events.map((e) => e.seq));
    let lastSeq = -1;
    const seenCheckpoints: number[] = [];
    for (const line of lines) {
      if ('checkpoint' in line) {
        const checkpoint = line.checkpoint as Checkpoint;
        expect(checkpoint.treeSize).toBe(lastSeq + 1);
        seenCheckpoints.push(checkpoint.treeSize);
        continue;
      }
      const { seq, leafHash, ...rest } = line;
      expect(seq).toBe(lastSeq + 1);
      lastSeq = seq as number;
      expect(Object.keys(rest).sort()).toEqual(['data', 'metadata', 'position', 'recordedAt', 'schemaVersion', 'streamId', 'type', 'version']);
      const expected = createHash('sha256').update(Buffer.from([0])).update(canonicalJson(rest), 'utf8').digest('hex');
      expect(leafHash).toBe(expected);
      expect(auditLeafHash(rest as never).toString('hex')).toBe(expected);
    }
    const checkpoints = await allCheckpoints();
    expect(seenCheckpoints).toEqual(checkpoints.filter((c) => c.treeSize > 0 && c.treeSize <= events.length).map((c) => c.treeSize));
    // The checkpoint lines are the same objects as the checkpoints API serves.
    const fromExport = lines.filter((l) => 'checkpoint' in l).map((l) => l.checkpoint);
    expect(fromExport).toEqual(checkpoints.filter((c) => c.treeSize > 0 && c.treeSize <= events.length));
  });

  it('reads in batches: the cursor loop with a batch of 2 gives the same bytes', async () => {
    const whole = (await get('/v1/audit/export')).body;
    const chunks: Buffer[] = [];
    for await (const chunk of t.app.get(AuditExporter).lines(2)) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(whole);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    // Every chunk ends a line: a chunk is a batch's lines, never a line cut in two.
    for (const chunk of chunks) expect(chunk.at(-1)).toBe(0x0a);
  });

  it('is for auditors only', async () => {
    expect((await get('/v1/audit/export', cr)).statusCode).toBe(403);
  });
});
