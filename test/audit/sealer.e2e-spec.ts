import { auditLeafHash, checkpointExtension, hashChain, parseCheckpointBody, PREVIOUS_TREE_SIZE_EXTENSION, rootHash } from '@app/event-store';
import { createTestDatabase, eventually, type TestDatabase } from '@app/testing';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import pg from 'pg';
import { AUDIT_KEY_NAME, AuditSigningKey } from '../../src/audit/audit-signing-key';
import { SealerService } from '../../src/audit/sealer.service';
import { waitUntilSealed } from '../support/audit';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const ENV = { AUDIT_SIGNING_KEY: PEM, CHECKPOINT_MAX_EVENTS: '5', CHECKPOINT_INTERVAL_MS: '200' };

let db: TestDatabase;
let t: TestApp;
let cr: string;

beforeAll(async () => {
  // The database outlives the first app: the restart test starts a second one on it.
  db = await createTestDatabase();
  t = await createTestApp({ env: ENV, database: db });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

async function file(app: TestApp, body: unknown): Promise<string> {
  const response = await app.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${cr}` }, payload: body });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

interface LedgerRow {
  seq: string;
  global_position: string;
  leaf_hash: Buffer;
  chain_hash: Buffer;
}

async function ledger(app: TestApp): Promise<LedgerRow[]> {
  const { rows } = await app.pool.query<LedgerRow>('SELECT seq::text, global_position::text, leaf_hash, chain_hash FROM audit_ledger ORDER BY audit_ledger.seq');
  return rows;
}

/** Waits until the log is quiet, every event is sealed and the latest checkpoint covers the whole ledger. */
async function settled(app: TestApp): Promise<LedgerRow[]> {
  await waitUntilSealed(app, { timeoutMs: 15_000 });
  return ledger(app);
}

async function expectSound(app: TestApp): Promise<void> {
  const rows = await settled(app);
  // seq 0..n-1, gap-free, one row per event.
  expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i));
  const { rows: events } = await app.pool.query<{
    global_position: string;
    stream_id: string;
    stream_version: number;
    event_type: string;
    event_version: number;
    data: unknown;
    metadata: unknown;
    recorded_at: Date;
  }>('SELECT global_position::text, stream_id, stream_version::int, event_type, event_version, data, metadata, recorded_at FROM events');
  expect(new Set(rows.map((r) => r.global_position))).toEqual(new Set(events.map((e) => e.global_position)));
  const byPosition = new Map(events.map((e) => [e.global_position, e]));
  let chain: Buffer | null = null;
  for (const row of rows) {
    const e = byPosition.get(row.global_position)!;
    const leaf = auditLeafHash({
      position: Number(e.global_position),
      streamId: e.stream_id,
      version: e.stream_version,
      type: e.event_type,
      schemaVersion: e.event_version,
      data: e.data,
      metadata: e.metadata,
      recordedAt: e.recorded_at,
    });
    expect(row.leaf_hash.equals(leaf)).toBe(true);
    chain = hashChain(chain, row.leaf_hash);
    expect(row.chain_hash.equals(chain)).toBe(true);
  }
  // Every stored node is the root of its complete subtree.
  const leaves = rows.map((r) => r.leaf_hash);
  const { rows: nodes } = await app.pool.query<{ level: number; idx: string; hash: Buffer }>('SELECT level, idx::text, hash FROM merkle_nodes');
  const expectedNodes = leaves.reduce((count, _, i) => count + countTrailingOnes(i), 0);
  expect(nodes).toHaveLength(expectedNodes);
  for (const node of nodes) {
    const width = 2 ** node.level;
    const lo = Number(node.idx) * width;
    expect(node.hash.equals(rootHash(leaves.slice(lo, lo + width)))).toBe(true);
  }
  // Every checkpoint: the root and chain head of its prefix, signed over the C2SP body.
  const { rows: checkpoints } = await app.pool.query<{ tree_size: string; root_hash: Buffer; chain_head: Buffer; key_id: Buffer; note: string }>(
    'SELECT tree_size::text, root_hash, chain_head, key_id, note FROM audit_checkpoints ORDER BY audit_checkpoints.tree_size',
  );
  expect(checkpoints.length).toBeGreaterThanOrEqual(2);
  // Never more than CHECKPOINT_MAX_EVENTS leaves between two checkpoints, wherever the sealer's
  // batches happened to end (CHECKPOINT_INTERVAL_MS adds checkpoints in between).
  const sizes = checkpoints.map((cp) => Number(cp.tree_size));
  const gaps = sizes.map((size, i) => size - (sizes[i - 1] ?? 0));
  expect(Math.max(...gaps)).toBeLessThanOrEqual(Number(ENV.CHECKPOINT_MAX_EVENTS));
  expect(sizes.at(-1)).toBe(rows.length);
  const key = new AuditSigningKey(privateKey);
  let previousSize = 0;
  for (const cp of checkpoints) {
    const size = Number(cp.tree_size);
    const root = rootHash(leaves.slice(0, size));
    expect(cp.root_hash.equals(root)).toBe(true);
    expect(cp.chain_head.equals(rows[size - 1]!.chain_hash)).toBe(true);
    expect(cp.key_id.equals(key.keyId)).toBe(true);
    const split = cp.note.lastIndexOf('\n\n');
    const body = cp.note.slice(0, split + 1);
    expect(body.startsWith(`${AUDIT_KEY_NAME}\n${size}\n${root.toString('base64')}\n`)).toBe(true);
    // Each note names the checkpoint before it.
    expect(checkpointExtension(parseCheckpointBody(body), PREVIOUS_TREE_SIZE_EXTENSION)).toBe(String(previousSize));
    previousSize = size;
    const sigLine = cp.note.slice(split + 2, -1);
    expect(sigLine.startsWith(`\u2014 ${AUDIT_KEY_NAME} `)).toBe(true);
    const blob = Buffer.from(sigLine.slice(`\u2014 ${AUDIT_KEY_NAME} `.length), 'base64');
    expect(blob.subarray(0, 4).equals(key.keyId)).toBe(true);
    const published = createPublicKey(publicKey.export({ format: 'pem', type: 'spki' }));
    expect(verify(null, Buffer.from(body, 'utf8'), published, blob.subarray(4))).toBe(true);
    const flipped = Buffer.from(body, 'utf8');
    flipped[flipped.length - 2]! ^= 1;
    expect(verify(null, flipped, published, blob.subarray(4))).toBe(false);
  }
}

function countTrailingOnes(i: number): number {
  let n = 0;
  while (i % 2 === 1) {
    n += 1;
    i = (i - 1) / 2;
  }
  return n;
}

describe('the sealer', () => {
  it('seals every event gap-free with leaf hashes, a hash chain, Merkle nodes and signed checkpoints', async () => {
    // The first batch of a new process goes carefully (it loads the ledger end); the ones after it
    // in one statement each. Sealing the first filing before the others come makes sure that
    // there is a batch after the first, however quickly the sealer wakes.
    await file(t, incidentBody({ title: 'Incident number 0' }));
    await settled(t);
    for (let i = 1; i < 4; i++) await file(t, incidentBody({ title: `Incident number ${i}` }));
    await file(t, capacityBody());
    await expectSound(t);
    const { atOnce, carefully } = t.app.get(SealerService).sealedBatches;
    expect(carefully).toBe(1);
    expect(atOnce).toBeGreaterThan(0);
  });

  it('continues the sequence after a restart on the same database, without duplicates or gaps', async () => {
    const before = (await settled(t)).length;
    await t.close();
    // As after a crash before the subscription's checkpoint was saved: the whole log is delivered again.
    const direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
    await direct.query("DELETE FROM consumer_checkpoints WHERE consumer = 'sealer'");
    await direct.end();
    // The same database, a new process: the sealer reloads its frontier from merkle_nodes.
    t = await createTestApp({ env: ENV, database: db });
    for (let i = 0; i < 3; i++) await file(t, incidentBody({ title: `After restart ${i}` }));
    await expectSound(t);
    expect((await ledger(t)).length).toBeGreaterThan(before);
  });

  it('seals once what is delivered again to a sealer that kept its ledger state (the one-statement path falls back)', async () => {
    await settled(t);
    const sealer = t.app.get(SealerService);
    // Stopped and started in the same process: the sealer keeps the ledger end it knows, while its
    // subscription, its checkpoint gone, delivers the whole log again.
    await sealer.onModuleDestroy();
    await t.pool.query("DELETE FROM consumer_checkpoints WHERE consumer = 'sealer'");
    for (let i = 0; i < 2; i++) await file(t, incidentBody({ title: `While stopped ${i}` }));
    const before = sealer.sealedBatches;
    sealer.onApplicationBootstrap();
    await expectSound(t);
    // The first batch delivered again went the careful way, which skipped what was sealed.
    expect(sealer.sealedBatches.carefully).toBe(before.carefully + 1);
  });

  it('refuses to change the sealed log', async () => {
    await expect(t.pool.query('UPDATE audit_ledger SET seq = seq')).rejects.toThrow(/append-only/);
    await expect(t.pool.query('DELETE FROM merkle_nodes')).rejects.toThrow(/append-only/);
    await expect(t.pool.query('TRUNCATE audit_checkpoints')).rejects.toThrow(/append-only/);
  });

  it('runs one sealer across processes, and the standby takes over when the active one stops', async () => {
    const standby = await createTestApp({ env: { ...ENV, RELAY_STANDBY_RETRY_MS: '100' }, database: db });
    const active = t;
    try {
      const [first, second] = [active.app.get(SealerService), standby.app.get(SealerService)];
      expect(first.isLeader).toBe(true);
      expect(second.isLeader).toBe(false);
      await active.close();
      t = standby; // afterAll closes whichever is left
      await eventually(() => second.isLeader || undefined, { timeoutMs: 5_000 });
      for (let i = 0; i < 3; i++) await file(standby, incidentBody({ title: `After failover ${i}` }));
      await expectSound(standby);
    } finally {
      if (t !== standby) await standby.close();
    }
  });
});
