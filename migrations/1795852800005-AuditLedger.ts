import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['audit_ledger', 'merkle_nodes', 'audit_checkpoints'] as const;

/**
 * The sealed audit log: a gap-free ledger sequence over the event log with leaf and chain hashes,
 * every complete Merkle subtree node above the leaves (level ≥ 1; level 0 is
 * audit_ledger.leaf_hash), and the signed checkpoints. All three are append-only.
 */
export class AuditLedger1795852800005 implements MigrationInterface {
  name = 'AuditLedger1795852800005';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_ledger (
        seq             bigint PRIMARY KEY CHECK (seq >= 0),
        global_position bigint NOT NULL UNIQUE,
        leaf_hash       bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
        chain_hash      bytea NOT NULL CHECK (octet_length(chain_hash) = 32)
      )`);
    await db.query(`
      CREATE TABLE merkle_nodes (
        level smallint NOT NULL CHECK (level >= 1),
        idx   bigint NOT NULL CHECK (idx >= 0),
        hash  bytea NOT NULL CHECK (octet_length(hash) = 32),
        PRIMARY KEY (level, idx)
      )`);
    await db.query(`
      CREATE TABLE audit_checkpoints (
        tree_size  bigint PRIMARY KEY CHECK (tree_size >= 0),
        root_hash  bytea NOT NULL,
        chain_head bytea NOT NULL,
        signed_at  timestamptz NOT NULL,
        key_id     bytea NOT NULL,
        note       text NOT NULL
      )`);
    await db.query(`
      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of TABLES) {
      await db.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
      await db.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
      // ALWAYS: still fires under session_replication_role = replica.
      await db.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${table}_append_only`);
      await db.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${table}_no_truncate`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    // DROP TABLE does not fire the TRUNCATE/DELETE triggers.
    for (const table of [...TABLES].reverse()) await db.query(`DROP TABLE ${table}`);
    await db.query(`DROP FUNCTION audit_refuse_change()`);
  }
}
