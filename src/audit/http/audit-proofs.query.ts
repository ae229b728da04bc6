import {
  consistencyProofFromMap,
  consistencyProofNodeKeys,
  inclusionProofFromMap,
  inclusionProofNodeKeys,
  merkleNodeKey,
  type MerkleNodeKey,
  type MerkleUpperLevels,
} from '@app/event-store';
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { AID_REQUEST_STREAM_TYPE } from '../../aid-requests/domain/aid-request.events';
import { PG_POOL } from '../../database/pg-pool';
import { MerkleUpperLevelCache } from './merkle-upper-level-cache';

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
 * Reads the given Merkle nodes, those `held` does not have in one query: level 0 from
 * audit_ledger.leaf_hash (at seq = index), the levels above from merkle_nodes. Throws when a node
 * the proof needs is not stored.
 */
async function readNodes(pool: Pool, keys: readonly MerkleNodeKey[], held: MerkleUpperLevels): Promise<Map<string, Buffer>> {
  const unheld = keys.filter((k) => held.get(k.level, k.index) === undefined);
  if (unheld.length === 0) return nodeMap(keys, [], held);
  const leaves = unheld.filter((k) => k.level === 0).map((k) => k.index);
  const inner = unheld.filter((k) => k.level > 0);
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
  return nodeMap(keys, rows, held);
}

/**
 * The nodes `keys` names (those a proof needs), by key: from `held` when it has them, else from the
 * rows read; throws when one is in neither.
 */
function nodeMap(keys: readonly MerkleNodeKey[], rows: readonly NodeRow[], held: MerkleUpperLevels): Map<string, Buffer> {
  const nodes = new Map(rows.map((row) => [merkleNodeKey(Number(row.level), Number(row.idx)), row.hash]));
  for (const k of keys) {
    const hash = held.get(k.level, k.index);
    if (hash !== undefined) nodes.set(merkleNodeKey(k.level, k.index), hash);
  }
  const missing = keys.find((k) => !nodes.has(merkleNodeKey(k.level, k.index)));
  if (missing !== undefined) {
    throw new Error(`the sealed Merkle tree is missing node ${merkleNodeKey(missing.level, missing.index)}`);
  }
  return nodes;
}

/**
 * A country's events: those of its aid requests (whoever recorded them: the partner, an officer or
 * the automation), and any other event its people recorded or that names it.
 */
const COUNTRY_OF_EVENT = `AND (e.metadata->'actor'->>'country' = $5::text OR e.data->>'country' = $5::text
          OR (e.stream_type = '${AID_REQUEST_STREAM_TYPE}' AND EXISTS (
                SELECT 1 FROM aid_request_views v
                WHERE v.id = CASE WHEN e.stream_type = '${AID_REQUEST_STREAM_TYPE}' THEN substr(e.stream_id, ${AID_REQUEST_STREAM_TYPE.length + 2})::uuid END
                  AND v.country = $5::text)))`;

interface InclusionProofRow extends NodeRow {
  tree_size: string | null;
}

/**
 * An inclusion proof's reads in one round trip: the sealed event (of a country, when $5 is given)
 * as a row of level -1 (idx = seq, hash = its leaf, tree_size = the checkpoint's: $2, or the
 * latest when null; null when there is none), then the stored nodes the proof folds. Those are,
 * at each level L, the sibling of the leaf's ancestor, s = (seq >> L) xor 1, covering
 * [s << L, (s + 1) << L): a stored node when that range lies inside the tree, nothing when it
 * starts beyond it, and, for the one range that the tree's end cuts, its complete subtrees (one
 * per set bit of its length inside the tree, largest first) — the keys inclusionProofNodeKeys
 * lists (level 0 from audit_ledger, the levels above from merkle_nodes), less those the process
 * holds in memory: the nodes of level ≥ $3 that are complete in the first $4 leaves (see
 * MerkleUpperLevels; $3 = 64 when it holds none). No rows: not sealed.
 */
function inclusionProofStatement(byCountry: boolean): { name: string; text: string } {
  return {
    name: byCountry ? 'audit_inclusion_proof_of_country' : 'audit_inclusion_proof',
    text: `WITH ev AS (
        SELECT l.seq, l.leaf_hash FROM audit_ledger l
        ${byCountry ? 'JOIN events e ON e.global_position = l.global_position' : ''}
        WHERE l.global_position = $1
        ${byCountry ? COUNTRY_OF_EVENT : ''}),
      cp AS (
        SELECT c.tree_size FROM audit_checkpoints c
        WHERE $2::bigint IS NULL OR c.tree_size = $2::bigint
        ORDER BY c.tree_size DESC LIMIT 1),
      sibling AS (
        SELECT lv, ((ev.seq >> lv) # 1) << lv AS start, (((ev.seq >> lv) # 1) + 1) << lv AS stop, cp.tree_size AS n
        FROM ev, cp, generate_series(0, 62) AS lv
        WHERE ev.seq < cp.tree_size AND ((ev.seq >> lv) # 1) << lv < cp.tree_size),
      proof_keys AS (
        SELECT lv AS level, start >> lv AS idx FROM sibling WHERE stop <= n
        UNION ALL
        SELECT b, (start + (((n - start) >> (b + 1)) << (b + 1))) >> b
        FROM sibling, LATERAL generate_series(0, lv - 1) AS b
        WHERE stop > n AND ((n - start) >> b) & 1 = 1)
      SELECT -1 AS level, ev.seq::text AS idx, ev.leaf_hash AS hash, (SELECT cp.tree_size::text FROM cp) AS tree_size FROM ev
      UNION ALL
      SELECT 0, l.seq::text, l.leaf_hash, NULL FROM proof_keys k JOIN audit_ledger l ON l.seq = k.idx WHERE k.level = 0
      UNION ALL
      SELECT k.level, n.idx::text, n.hash, NULL FROM proof_keys k JOIN merkle_nodes n ON n.level = k.level AND n.idx = k.idx
      WHERE k.level > 0 AND (k.level < $3::int OR ((k.idx + 1) << k.level) > $4::bigint)`,
  };
}

@QueryHandler(GetInclusionProofQuery)
export class GetInclusionProofHandler implements IQueryHandler<GetInclusionProofQuery, ProofResult<InclusionProofView>> {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly upperLevels: MerkleUpperLevelCache,
  ) {}

  async execute({ position, treeSize, country }: GetInclusionProofQuery): Promise<ProofResult<InclusionProofView>> {
    // The event, the checkpoint's size and the proof's nodes not held in memory in one round trip.
    const held = this.upperLevels.snapshot();
    const cached = [position, treeSize ?? null, held.lowestLevel, held.coveredSize];
    const { rows } = await this.pool.query<InclusionProofRow>({
      ...inclusionProofStatement(country !== undefined),
      values: country === undefined ? cached : [...cached, country],
    });
    const event = rows.find((row) => row.level === -1);
    if (event === undefined) return { ok: false, reason: 'event_not_found' };
    if (event.tree_size === null) return { ok: false, reason: 'checkpoint_not_found' };
    const size = Number(event.tree_size);
    const seq = Number(event.idx);
    if (seq >= size) return { ok: false, reason: 'not_in_tree' };
    this.upperLevels.catchUp(size);
    const nodes = nodeMap(
      inclusionProofNodeKeys(seq, size),
      rows.filter((row) => row.level >= 0),
      held,
    );
    const auditPath = inclusionProofFromMap(seq, size, nodes).map((h) => h.toString('hex'));
    return { ok: true, value: { seq, treeSize: size, leafHash: event.hash.toString('hex'), auditPath } };
  }
}

@QueryHandler(GetConsistencyProofQuery)
export class GetConsistencyProofHandler implements IQueryHandler<GetConsistencyProofQuery, ProofResult<ConsistencyProofView>> {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly upperLevels: MerkleUpperLevelCache,
  ) {}

  async execute({ from, to }: GetConsistencyProofQuery): Promise<ProofResult<ConsistencyProofView>> {
    if (from > to) return { ok: false, reason: 'invalid_range' };
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM audit_checkpoints c WHERE c.tree_size = ANY($1::bigint[])',
      [[from, to]],
    );
    if (Number(rows[0]?.n ?? 0) !== (from === to ? 1 : 2)) return { ok: false, reason: 'checkpoint_not_found' };
    this.upperLevels.catchUp(to);
    const nodes = await readNodes(this.pool, consistencyProofNodeKeys(from, to), this.upperLevels.snapshot());
    const proof = consistencyProofFromMap(from, to, nodes).map((h) => h.toString('hex'));
    return { ok: true, value: { from, to, proof } };
  }
}
