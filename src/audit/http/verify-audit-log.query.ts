import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { auditLeafHash, LedgerVerifier, loadCheckpoint, type LedgerVerification, type StatedCheckpoint } from '@app/event-store';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { AuditKeyRing } from '../audit-key-ring';
import { SEALER_CONSUMER } from '../sealer.service';
import { toAuditEventView, type CheckpointRow, type SealedEventRow } from './audit-views';

export class VerifyAuditLogQuery extends Query<LedgerVerification> {}

/** Ledger rows read per query while verifying. */
const VERIFY_BATCH_SIZE = 2000;

interface LedgerEventRow extends Omit<SealedEventRow, 'global_position'> {
  ledger_position: string;
  leaf_hash: Buffer;
  chain_hash: Buffer;
  /** Null when the ledger's event is no longer in the event log. */
  global_position: string | null;
}

interface UnsealedEvent {
  position: string;
  /** The seq it would have: the sealed events that come before it in commit order. */
  seq: string;
}

function statedCheckpoint(row: CheckpointRow): StatedCheckpoint {
  return {
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    chainHead: row.chain_head,
    signedAt: row.signed_at.toISOString(),
    keyId: row.key_id,
    note: row.note,
  };
}

/**
 * `GET /v1/audit/verify`: re-hashes the stored event log against the sealed ledger and the signed
 * checkpoints, in ledger order, and reports the first place where they part:
 *  - an event changed after sealing (its leaf hash differs), or gone (the ledger points at nothing);
 *  - a ledger row missing, repeated or with a chain hash that does not follow;
 *  - a checkpoint whose signature, root or chain head does not verify against the leaves before it,
 *    or that a key outside the key ring signed (AUDIT_PREVIOUS_PUBLIC_KEYS names earlier keys);
 *  - an event in the log, older than what the sealer has passed, that the ledger does not have
 *    (inserted behind the sealer's back), reported at the seq it would have had.
 * Concurrent requests share one run: a verification reads the whole log.
 */
@QueryHandler(VerifyAuditLogQuery)
export class VerifyAuditLogHandler implements IQueryHandler<VerifyAuditLogQuery, LedgerVerification> {
  private running?: Promise<LedgerVerification>;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly keys: AuditKeyRing,
  ) {}

  execute(): Promise<LedgerVerification> {
    this.running ??= this.verify().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async verify(): Promise<LedgerVerification> {
    const verifier = new LedgerVerifier(this.keys.publicKeys, this.keys.current.keyName);
    // Checkpoints first, then the ledger's end: the sealer commits a checkpoint with its leaves.
    const { rows: checkpoints } = await this.pool.query<CheckpointRow>(
      `SELECT c.tree_size::text AS tree_size, c.root_hash, c.chain_head, c.signed_at, c.key_id, c.note
         FROM audit_checkpoints c ORDER BY c.tree_size`,
    );
    const unsealed = await this.firstUnsealedEvent();
    const { rows: top } = await this.pool.query<{ max: string | null }>('SELECT max(l.seq)::text AS max FROM audit_ledger l');
    const lastSeq = top[0]?.max == null ? -1 : Number(top[0].max);
    const stopAt = unsealed === undefined ? Number.POSITIVE_INFINITY : Number(unsealed.seq);

    let next = 0; // the next checkpoint to check
    const checkpointsDue = (): void => {
      while (next < checkpoints.length && Number(checkpoints[next]!.tree_size) <= verifier.size) {
        verifier.checkpoint(statedCheckpoint(checkpoints[next]!));
        next += 1;
      }
    };

    let after = -1;
    walk: while (after < lastSeq && !verifier.failed) {
      const { rows } = await this.pool.query<LedgerEventRow>(
        `SELECT l.seq::text AS seq, l.global_position::text AS ledger_position, l.leaf_hash, l.chain_hash,
                e.global_position::text AS global_position, e.stream_id, e.stream_version::text AS stream_version,
                e.event_type, e.event_version, e.data, e.metadata, e.recorded_at
           FROM (SELECT * FROM audit_ledger WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3) l
           LEFT JOIN events e ON e.global_position = l.global_position
          ORDER BY l.seq`,
        [after, lastSeq, VERIFY_BATCH_SIZE],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq >= stopAt) break walk;
        const position = Number(row.ledger_position);
        if (row.global_position === null) {
          verifier.fail(seq, position, 'the event sealed at this seq is missing from the event log');
          break walk;
        }
        const leaf = auditLeafHash(toAuditEventView({ ...row, global_position: row.global_position }));
        if (!verifier.leaf(seq, position, leaf, row.leaf_hash, row.chain_hash)) break walk;
        checkpointsDue();
        if (verifier.failed) break walk;
      }
      after = Number(rows.at(-1)!.seq);
    }
    if (unsealed !== undefined && !verifier.failed && verifier.size === Number(unsealed.seq)) {
      verifier.fail(Number(unsealed.seq), Number(unsealed.position), 'an event in the log that the sealed ledger does not have: it was added behind the sealer');
    }
    // A checkpoint beyond the ledger's end: rows were removed from the end.
    const beyond = checkpoints[next];
    if (unsealed === undefined && beyond !== undefined) verifier.checkpoint(statedCheckpoint(beyond));
    return verifier.result();
  }

  /**
   * The first event (in commit order) that the sealer has passed but the ledger does not have, with
   * the seq it would have had; undefined when there is none (the normal case).
   */
  private async firstUnsealedEvent(): Promise<UnsealedEvent | undefined> {
    const cursor = await loadCheckpoint(this.pool, SEALER_CONSUMER);
    const { rows } = await this.pool.query<UnsealedEvent>(
      `SELECT e.global_position::text AS position,
              (SELECT count(*) FROM audit_ledger l JOIN events x ON x.global_position = l.global_position
                WHERE (x.transaction_id, x.global_position) < (e.transaction_id, e.global_position))::text AS seq
         FROM events e
        WHERE (e.transaction_id, e.global_position) <= ($1::xid8, $2::bigint)
          AND NOT EXISTS (SELECT 1 FROM audit_ledger l WHERE l.global_position = e.global_position)
        ORDER BY e.transaction_id, e.global_position
        LIMIT 1`,
      [cursor.transactionId, cursor.position],
    );
    return rows[0];
  }
}
