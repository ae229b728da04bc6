import { Inject, Injectable } from '@nestjs/common';
import { frontierNodeKeys, inTransaction, MerkleAccumulator } from '@app/event-store';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import type { SignedCheckpoint } from './checkpoint-signer';
import type { LedgerPlan } from './ledger-planner';
import { endsAt, type LedgerEnd, type LedgerState } from './ledger-state';

/**
 * The SQL of the sealer: audit_ledger, merkle_nodes and audit_checkpoints. Everything but
 * `sealBatch` runs in a transaction of `underLedgerLock`, on its `tx`.
 */
@Injectable()
export class AuditLedgerRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Stores the plan made on `from` and its signed checkpoints in one statement (audit_seal_batch)
   * when the ledger still ends at `from`, with the latest checkpoint `from` knows; false, writing
   * nothing, when it does not. An event sealed before fails its unique position.
   */
  async sealBatch(from: LedgerState, plan: LedgerPlan, checkpoints: readonly SignedCheckpoint[]): Promise<boolean> {
    const { seqs, positions, leafHashes, chainHashes } = plan.ledgerRows;
    const { levels, indexes, hashes } = plan.merkleNodes;
    const { rows } = await this.pool.query<{ sealed: boolean }>({
      name: 'sealer_seal_batch',
      text: 'SELECT audit_seal_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) AS sealed',
      values: [
        from.tree.size,
        from.chainHead,
        from.checkpointedSize,
        seqs,
        positions,
        leafHashes,
        chainHashes,
        levels,
        indexes,
        hashes,
        JSON.stringify(
          checkpoints.map((c) => ({
            treeSize: c.treeSize,
            rootHash: c.rootHash.toString('hex'),
            chainHead: c.chainHead.toString('hex'),
            signedAt: c.signedAt.toISOString(),
            keyId: c.keyId.toString('hex'),
            note: c.note,
          })),
        ),
      ],
    });
    return rows[0]?.sealed === true;
  }

  /**
   * Runs `work` in one transaction holding the ledger lock, which serializes the sealer's
   * transactions across processes: a leader that lost its lease and the one that took over must
   * not interleave (two checkpoints naming the same predecessor, or leaves appended to a ledger
   * end read before the other's commit). audit_seal_batch takes the same lock.
   */
  underLedgerLock<T>(work: (tx: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, async (tx) => {
      await tx.query({ name: 'sealer_lock_ledger', text: "SELECT pg_advisory_xact_lock(hashtextextended('audit_ledger', 0))" });
      return work(tx);
    });
  }

  /**
   * The ledger's end as the database has it: `known` when it still ends there (one indexed read),
   * otherwise loaded, its Merkle frontier read back from merkle_nodes; `now` then stands for the
   * latest checkpoint's time.
   */
  async currentState(tx: PoolClient, known: LedgerState, now: number): Promise<LedgerState> {
    const end = await this.ledgerEnd(tx);
    return endsAt(known, end) ? known : this.loadStateAt(tx, end, now);
  }

  /** The ledger's end as stored, loaded: see currentState. */
  async loadState(tx: PoolClient, now: number): Promise<LedgerState> {
    return this.loadStateAt(tx, await this.ledgerEnd(tx), now);
  }

  /** Which of these positions are sealed already. */
  async sealedPositions(tx: PoolClient, positions: readonly number[]): Promise<Set<number>> {
    const { rows } = await tx.query<{ global_position: string }>({
      name: 'sealer_already_sealed',
      text: 'SELECT global_position::text AS global_position FROM audit_ledger WHERE global_position = ANY($1::bigint[])',
      values: [positions],
    });
    return new Set(rows.map((r) => Number(r.global_position)));
  }

  /** The plan's ledger rows and the Merkle nodes they complete, in one statement (none when the plan adds no leaf). */
  async append(tx: PoolClient, plan: LedgerPlan): Promise<void> {
    const { seqs, positions, leafHashes, chainHashes } = plan.ledgerRows;
    if (seqs.length === 0) return;
    const { levels, indexes, hashes } = plan.merkleNodes;
    await tx.query({
      name: 'sealer_append',
      text: `WITH ledger AS (
               INSERT INTO audit_ledger (seq, global_position, leaf_hash, chain_hash)
               SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[])
             )
             INSERT INTO merkle_nodes (level, idx, hash) SELECT * FROM unnest($5::smallint[], $6::bigint[], $7::bytea[])`,
      values: [seqs, positions, leafHashes, chainHashes, levels, indexes, hashes],
    });
  }

  /** tree_size of the latest stored checkpoint (0 when none). */
  async latestCheckpointSize(tx: PoolClient): Promise<number> {
    const { rows } = await tx.query<{ size: string | null }>('SELECT max(c.tree_size)::text AS size FROM audit_checkpoints c');
    return Number(rows[0]?.size ?? 0);
  }

  async insertCheckpoints(tx: PoolClient, checkpoints: readonly SignedCheckpoint[]): Promise<void> {
    for (const { treeSize, rootHash, chainHead, signedAt, keyId, note } of checkpoints) {
      await tx.query(
        `INSERT INTO audit_checkpoints (tree_size, root_hash, chain_head, signed_at, key_id, note)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tree_size) DO NOTHING`,
        [treeSize, rootHash, chainHead, signedAt, keyId, note],
      );
    }
  }

  /** The ledger's end: one indexed read of its last row. */
  private async ledgerEnd(tx: PoolClient): Promise<LedgerEnd> {
    // (Aliases differ from the columns: ORDER BY must sort the bigint, not its text.)
    const { rows } = await tx.query<{ last_seq: string; chain_hash: Buffer }>(
      'SELECT seq::text AS last_seq, chain_hash FROM audit_ledger ORDER BY seq DESC LIMIT 1',
    );
    const last = rows[0];
    return last === undefined ? { size: 0, chainHead: null } : { size: Number(last.last_seq) + 1, chainHead: last.chain_hash };
  }

  /** The ledger state at `end`, its Merkle frontier read back from the leaves and merkle_nodes (see frontierNodeKeys). */
  private async loadStateAt(tx: PoolClient, end: LedgerEnd, loadedAt: number): Promise<LedgerState> {
    const keys = frontierNodeKeys(end.size);
    const leafIndexes = keys.filter((k) => k.level === 0).map((k) => k.index);
    const inner = keys.filter((k) => k.level > 0);
    const leafRows = await tx.query<{ idx: string; hash: Buffer }>('SELECT seq::text AS idx, leaf_hash AS hash FROM audit_ledger WHERE seq = ANY($1::bigint[])', [
      leafIndexes,
    ]);
    const nodeRows = await tx.query<{ level: number; idx: string; hash: Buffer }>(
      `SELECT n.level, n.idx::text AS idx, n.hash
         FROM merkle_nodes n JOIN unnest($1::smallint[], $2::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx`,
      [inner.map((k) => k.level), inner.map((k) => k.index)],
    );
    const checkpointedSize = await this.latestCheckpointSize(tx);
    const found = new Map<string, Buffer>();
    for (const r of leafRows.rows) found.set(`0/${r.idx}`, r.hash);
    for (const r of nodeRows.rows) found.set(`${r.level}/${r.idx}`, r.hash);
    const frontier = keys.map((k) => {
      const hash = found.get(`${k.level}/${k.index}`);
      if (hash === undefined) throw new Error(`the Merkle node ${k.level}/${k.index} of a tree of ${end.size} is missing`);
      return hash;
    });
    return { tree: new MerkleAccumulator(end.size, frontier), chainHead: end.chainHead, checkpointedSize, checkpointedAt: loadedAt };
  }
}
