import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { parseCheckpointBody, verifyInclusion, verifyNote } from '@app/event-store';
import { AUDIT_KEY_NAME } from '../../src/audit/audit-signing-key';
import { log } from './report';

/**
 * The auditor's side of the audit API for the benches (bench:audit, bench:growth): plain GETs, the
 * latest signed checkpoint checked against our key, and a closed-loop load of inclusion proofs
 * whose samples are checked against the ledger and verified against the checkpoint's root.
 */

export interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly ms: number;
  readonly problem?: string;
}

/** A GET; latency = request sent → whole body received. Never rejects: a failure is status 0 and a problem. */
export function get(agent: http.Agent, origin: URL, path: string, headers: Record<string, string>, timeoutMs = 15_000): Promise<Answer> {
  const started = performance.now();
  return new Promise<Answer>((resolve) => {
    let settled = false;
    const settle = (status: number, body: Buffer, problem?: string) => {
      if (settled) return;
      settled = true;
      resolve({ status, body, ms: performance.now() - started, ...(problem === undefined ? {} : { problem }) });
    };
    const request = http.request({ host: origin.hostname, port: origin.port, path, method: 'GET', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => settle(response.statusCode ?? 0, Buffer.concat(chunks)));
      response.on('error', (error) => settle(0, Buffer.alloc(0), error.message));
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', (error) => settle(0, Buffer.alloc(0), error.message));
    request.end();
  });
}

/** A GET that must answer 200 with JSON. */
export async function getJson<T>(agent: http.Agent, origin: URL, path: string, headers: Record<string, string>, timeoutMs?: number): Promise<{ answer: Answer; body: T }> {
  const answer = await get(agent, origin, path, headers, timeoutMs);
  if (answer.status !== 200) {
    throw new Error(`GET ${path} answered ${answer.status}${answer.problem === undefined ? '' : ` (${answer.problem})`}: ${answer.body.toString('utf8').slice(0, 500)}`);
  }
  return { answer, body: JSON.parse(answer.body.toString('utf8')) as T };
}

export interface CheckpointView {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly chainHead: string;
  readonly note: string;
}

/**
 * GET /v1/audit/public-key must serve `publicKey`, and the latest checkpoint's signed note must
 * verify with it, agree with the checkpoint and cover `expectedTreeSize` events (when given; any
 * number otherwise). Throws otherwise.
 */
export async function verifiedLatestCheckpoint(
  agent: http.Agent,
  api: URL,
  auditor: Record<string, string>,
  publicKey: KeyObject,
  expectedTreeSize: number | undefined,
): Promise<CheckpointView> {
  const { body: served } = await getJson<{ keyName: string; publicKeyPem: string }>(agent, api, '/v1/audit/public-key', auditor);
  if (served.publicKeyPem.trim() !== publicKey.export({ format: 'pem', type: 'spki' }).toString().trim()) {
    throw new Error('GET /v1/audit/public-key does not serve the key the benchmark generated');
  }
  const { body: checkpoint } = await getJson<CheckpointView>(agent, api, '/v1/audit/checkpoints/latest', auditor);
  const note = verifyNote(checkpoint.note, AUDIT_KEY_NAME, publicKey);
  if (!note.valid) throw new Error(`the latest checkpoint's note does not verify: ${note.reason ?? '?'}`);
  const body = parseCheckpointBody(note.body);
  const sizeExpected = expectedTreeSize === undefined || checkpoint.treeSize === expectedTreeSize;
  if (body.treeSize !== checkpoint.treeSize || body.rootHash.toString('hex') !== checkpoint.rootHash || !sizeExpected) {
    throw new Error(`the latest checkpoint (tree size ${checkpoint.treeSize}) does not match its signed note (tree size ${body.treeSize}) or ${expectedTreeSize ?? 'its own size'}`);
  }
  log(`[proof] latest checkpoint: tree size ${checkpoint.treeSize}, its signed note verifies with our key`);
  return checkpoint;
}

export interface InclusionProofView {
  readonly seq: number;
  readonly treeSize: number;
  readonly leafHash: string;
  readonly auditPath: readonly string[];
}

export interface ProofSample {
  readonly position: number;
  readonly proof: InclusionProofView;
}

export interface ProofLoad {
  readonly latencies: number[];
  readonly samples: ProofSample[];
  readonly statuses: Map<number, number>;
  readonly problems: string[];
  readonly elapsedMs: number;
}

export interface ProofLoadOptions {
  readonly agent: http.Agent;
  readonly origin: URL;
  readonly headers: Record<string, string>;
  readonly count: number;
  readonly concurrency: number;
  /** The global position to ask about next (random, sealed). */
  readonly nextPosition: () => number;
  /** Every n-th answer is kept for checkProofs. */
  readonly keepEvery: number;
  /** Proofs against the checkpoint of this tree size (?treeSize=); against the latest one when absent. */
  readonly treeSize?: number;
}

/** Closed loop: `count` GET /v1/audit/events/:position/proof requests, `concurrency` in flight. */
export async function proofLoad(options: ProofLoadOptions): Promise<ProofLoad> {
  const { agent, origin, headers, count, keepEvery } = options;
  const latencies: number[] = [];
  const samples: ProofSample[] = [];
  const statuses = new Map<number, number>();
  const problems: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < count) {
        const n = next++;
        const position = options.nextPosition();
        const query = options.treeSize === undefined ? '' : `?treeSize=${options.treeSize}`;
        const answer = await get(agent, origin, `/v1/audit/events/${position}/proof${query}`, headers);
        latencies.push(answer.ms);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status !== 200) {
          if (problems.length < 5) problems.push(`${position}: ${answer.status} ${answer.problem ?? ''} ${answer.body.toString('utf8').slice(0, 300)}`);
          continue;
        }
        if (n % keepEvery === 0) samples.push({ position, proof: JSON.parse(answer.body.toString('utf8')) as InclusionProofView });
      }
    }),
  );
  return { latencies, samples, statuses, problems, elapsedMs: performance.now() - started };
}

/** Each kept proof: for the event asked for (seq and leaf hash as stored), and verifying against the checkpoint's root. */
export async function checkProofs(db: pg.Pool, samples: readonly ProofSample[], checkpoint: CheckpointView, failures: string[]): Promise<void> {
  const { rows } = await db.query<{ position: string; seq: string; leaf_hash: Buffer }>(
    'SELECT global_position::text AS position, seq::text AS seq, leaf_hash FROM audit_ledger WHERE global_position = ANY($1::bigint[])',
    [samples.map((s) => s.position)],
  );
  const stored = new Map(rows.map((r) => [Number(r.position), r]));
  const root = Buffer.from(checkpoint.rootHash, 'hex');
  let verified = 0;
  const bad: string[] = [];
  for (const { position, proof } of samples) {
    const row = stored.get(position);
    const leaf = Buffer.from(proof.leafHash, 'hex');
    if (row === undefined) bad.push(`${position}: not in audit_ledger`);
    else if (Number(row.seq) !== proof.seq || !row.leaf_hash.equals(leaf)) bad.push(`${position}: seq/leaf hash differ from audit_ledger`);
    else if (proof.treeSize !== checkpoint.treeSize) bad.push(`${position}: proof for tree size ${proof.treeSize}, latest checkpoint ${checkpoint.treeSize}`);
    else if (!verifyInclusion(leaf, proof.seq, proof.treeSize, proof.auditPath.map((h) => Buffer.from(h, 'hex')), root)) {
      bad.push(`${position}: the inclusion proof does not verify against the checkpoint's root`);
    } else verified++;
  }
  log(`[proof] ${verified} of ${samples.length} kept proofs match audit_ledger and verify against the root of checkpoint ${checkpoint.treeSize}`);
  if (bad.length > 0) failures.push(`proof: ${bad.length} of ${samples.length} kept proofs are wrong: ${bad.slice(0, 5).join(' | ')}`);
}
