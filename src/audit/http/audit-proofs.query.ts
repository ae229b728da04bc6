import {
  consistencyProofFromMap,
  consistencyProofNodeKeys,
  inclusionProofFromMap,
  inclusionProofNodeKeys,
  merkleNodeKey,
  type MerkleNodeKey,
} from '@app/event-store';
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';

/** An RFC 9162 inclusion proof of one sealed event against a checkpoint (hex hashes). */
export interface InclusionProofView {
  readonly seq: number;
  readonly treeSize: number;
  readonly leafHash: string;
  readonly auditPath: readonly string[];
}

/** An RFC 9162 consistency proof between two checkpoints' tree sizes (hex hashes). */
export interface ConsistencyProofView {
  readonly from: number;
  readonly to: number;
  readonly proof: readonly string[];
}

/** Why a proof could not be given (each maps to a 404 or 400). */
export type ProofFailure = 'checkpoint_not_found' | 'event_not_found' | 'not_in_tree' | 'invalid_range';

export type ProofResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: ProofFailure };

export class GetInclusionProofQuery extends Query<ProofResult<InclusionProofView>> {
  constructor(
    /** The event's global position. */
    readonly position: number,
    /** The checkpoint's tree size; undefined: the latest checkpoint. */
    readonly treeSize: number | undefined,
    /** Only an event of this country (actor's or the event's own); undefined: any. */
    readonly country: string | undefined,
  ) {
    super();
  }
}

export class GetConsistencyProofQuery extends Query<ProofResult<ConsistencyProofView>> {
  constructor(
    readonly from: number,
    readonly to: number,
  ) {
    super();
  }
}

interface NodeRow {
  level: number;
  idx: string;
  hash: Buffer;
}

/**
 * Reads the given Merkle nodes in one query: level 0 from audit_ledger.leaf_hash (at seq = index),
 * the levels above from merkle_nodes. Throws when a node the proof needs is not stored.
 */
async function readNodes(pool: Pool, keys: readonly MerkleNodeKey[]): Promise<Map<string, Buffer>> {
  const nodes = new Map<string, Buffer>();
  if (keys.length === 0) return nodes;
  const leaves = keys.filter((k) => k.level === 0).map((k) => k.index);
  const inner = keys.filter((k) => k.level > 0);
  const { rows } = await pool.query<NodeRow>({
    name: 'audit_merkle_nodes',
    text: `SELECT 0 AS level, l.seq::text AS idx, l.leaf_hash AS hash
       FROM audit_ledger l
      WHERE l.seq = ANY($1::bigint[])
     UNION ALL
     SELECT n.level::int AS level, n.idx::text AS idx, n.hash
       FROM merkle_nodes n
       JOIN unnest($2::smallint[], $3::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx`,
    values: [leaves, inner.map((k) => k.level), inner.map((k) => k.index)],
  });
  for (const row of rows) nodes.set(merkleNodeKey(Number(row.level), Number(row.idx)), row.hash);
  const missing = keys.find((k) => !nodes.has(merkleNodeKey(k.level, k.index)));
  if (missing !== undefined) {
    throw new Error(`the sealed Merkle tree is missing node ${merkleNodeKey(missing.level, missing.index)}`);
  }
  return nodes;
}

/** The sealed event's seq and leaf, and the size of the checkpoint asked for ($2; null: the latest). */
const PROOF_EVENT_SELECT = `SELECT l.seq::text AS seq, l.leaf_hash,
          (SELECT c.tree_size::text FROM audit_checkpoints c
            WHERE $2::bigint IS NULL OR c.tree_size = $2::bigint
            ORDER BY c.tree_size DESC LIMIT 1) AS tree_size
     FROM audit_ledger l`;

@QueryHandler(GetInclusionProofQuery)
export class GetInclusionProofHandler implements IQueryHandler<GetInclusionProofQuery, ProofResult<InclusionProofView>> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ position, treeSize, country }: GetInclusionProofQuery): Promise<ProofResult<InclusionProofView>> {
    // The event and the checkpoint's size in one round trip; the nodes in a second. Only a
    // partner's question needs the event itself (its country).
    const { rows } = await this.pool.query<{ seq: string; leaf_hash: Buffer; tree_size: string | null }>(
      country === undefined
        ? { name: 'audit_inclusion_proof_event', text: `${PROOF_EVENT_SELECT} WHERE l.global_position = $1`, values: [position, treeSize ?? null] }
        : {
            name: 'audit_inclusion_proof_event_of_country',
            text: `${PROOF_EVENT_SELECT}
                     JOIN events e ON e.global_position = l.global_position
                    WHERE l.global_position = $1
                      AND (e.metadata->'actor'->>'country' = $3::text OR e.data->>'country' = $3::text)`,
            values: [position, treeSize ?? null, country],
          },
    );
    const event = rows[0];
    if (event === undefined) return { ok: false, reason: 'event_not_found' };
    if (event.tree_size === null) return { ok: false, reason: 'checkpoint_not_found' };
    const size = Number(event.tree_size);
    const seq = Number(event.seq);
    if (seq >= size) return { ok: false, reason: 'not_in_tree' };
    const nodes = await readNodes(this.pool, inclusionProofNodeKeys(seq, size));
    const auditPath = inclusionProofFromMap(seq, size, nodes).map((h) => h.toString('hex'));
    return { ok: true, value: { seq, treeSize: size, leafHash: event.leaf_hash.toString('hex'), auditPath } };
  }
}

@QueryHandler(GetConsistencyProofQuery)
export class GetConsistencyProofHandler implements IQueryHandler<GetConsistencyProofQuery, ProofResult<ConsistencyProofView>> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ from, to }: GetConsistencyProofQuery): Promise<ProofResult<ConsistencyProofView>> {
    if (from > to) return { ok: false, reason: 'invalid_range' };
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM audit_checkpoints c WHERE c.tree_size = ANY($1::bigint[])',
      [[from, to]],
    );
    if (Number(rows[0]?.n ?? 0) !== (from === to ? 1 : 2)) return { ok: false, reason: 'checkpoint_not_found' };
    const nodes = await readNodes(this.pool, consistencyProofNodeKeys(from, to));
    const proof = consistencyProofFromMap(from, to, nodes).map((h) => h.toString('hex'));
    return { ok: true, value: { from, to, proof } };
  }
}
