import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sealer's batch in one statement and one round trip: under the ledger lock, check that the
 * ledger ends where the sealer computed the batch from (its last seq and chain hash, and the
 * latest checkpoint the batch's notes name as their predecessor), then store the ledger rows, the
 * Merkle nodes they complete and the signed checkpoints. Answers false, writing nothing, when the
 * ledger is elsewhere (another sealer moved it on); a re-delivered event fails the unique position.
 * Either way the sealer then takes its careful path (reload, skip what is sealed, one step at a time).
 */
export class SealBatches1795852800009 implements MigrationInterface {
  name = 'SealBatches1795852800009';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION audit_seal_batch(
        p_expected_size bigint, p_expected_chain bytea, p_previous_checkpoint bigint,
        p_seqs bigint[], p_positions bigint[], p_leaves bytea[], p_chains bytea[],
        p_node_levels smallint[], p_node_idx bigint[], p_node_hashes bytea[],
        p_checkpoints jsonb)
      RETURNS boolean
      LANGUAGE plpgsql AS $$
      DECLARE
        v_last_seq bigint;
        v_last_chain bytea;
        v_checkpointed bigint;
      BEGIN
        -- The lock first: each statement below then reads the ledger as the last holder left it.
        PERFORM pg_advisory_xact_lock(hashtextextended('audit_ledger', 0));
        SELECT seq, chain_hash INTO v_last_seq, v_last_chain FROM audit_ledger ORDER BY seq DESC LIMIT 1;
        IF coalesce(v_last_seq + 1, 0) <> p_expected_size OR v_last_chain IS DISTINCT FROM p_expected_chain THEN
          RETURN false;
        END IF;
        SELECT coalesce(max(tree_size), 0) INTO v_checkpointed FROM audit_checkpoints;
        IF v_checkpointed <> p_previous_checkpoint THEN
          RETURN false;
        END IF;
        INSERT INTO audit_ledger (seq, global_position, leaf_hash, chain_hash)
        SELECT * FROM unnest(p_seqs, p_positions, p_leaves, p_chains);
        INSERT INTO merkle_nodes (level, idx, hash) SELECT * FROM unnest(p_node_levels, p_node_idx, p_node_hashes);
        INSERT INTO audit_checkpoints (tree_size, root_hash, chain_head, signed_at, key_id, note)
        SELECT c."treeSize", decode(c."rootHash", 'hex'), decode(c."chainHead", 'hex'), c."signedAt", decode(c."keyId", 'hex'), c.note
        FROM jsonb_to_recordset(p_checkpoints)
             AS c("treeSize" bigint, "rootHash" text, "chainHead" text, "signedAt" timestamptz, "keyId" text, note text);
        RETURN true;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION audit_seal_batch(bigint, bytea, bigint, bigint[], bigint[], bytea[], bytea[], smallint[], bigint[], bytea[], jsonb)`);
  }
}
