import type { AuditLeafRecord, ExportedCheckpoint } from '@app/event-store';

/** One sealed event as the audit API serves it: the fields its leaf hash covers, plus its ledger seq. */
export interface AuditEventView extends AuditLeafRecord {
  readonly seq: number;
}

/** A row of audit_ledger joined with its stored event, as the feed and the export read it. */
export interface SealedEventRow {
  seq: string;
  global_position: string;
  stream_id: string;
  stream_version: string;
  event_type: string;
  event_version: number;
  data: unknown;
  metadata: unknown;
  recorded_at: Date;
}

export function toAuditEventView(row: SealedEventRow): AuditEventView {
  return {
    seq: Number(row.seq),
    position: Number(row.global_position),
    streamId: row.stream_id,
    version: Number(row.stream_version),
    type: row.event_type,
    schemaVersion: row.event_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at.toISOString(),
  };
}

/** One signed checkpoint (hashes and key id in hex), as served and as the export's checkpoint lines carry it. */
export type CheckpointView = ExportedCheckpoint;

export interface Page<T, C> {
  readonly items: readonly T[];
  /** Where the next page starts, or undefined when this page is the last one for now. */
  readonly next?: C;
}

export interface SeqCursor {
  readonly seq: number;
}

export interface TreeSizeCursor {
  readonly treeSize: number;
}

export function isSeqCursor(value: unknown): value is SeqCursor {
  if (typeof value !== 'object' || value === null) return false;
  const { seq } = value as Record<string, unknown>;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0;
}

export function isTreeSizeCursor(value: unknown): value is TreeSizeCursor {
  if (typeof value !== 'object' || value === null) return false;
  const { treeSize } = value as Record<string, unknown>;
  return typeof treeSize === 'number' && Number.isSafeInteger(treeSize) && treeSize >= 0;
}

/** An audit_checkpoints row as the API reads it. */
export interface CheckpointRow {
  tree_size: string;
  root_hash: Buffer;
  chain_head: Buffer;
  signed_at: Date;
  key_id: Buffer;
  note: string;
}

export function toCheckpointView(row: CheckpointRow): CheckpointView {
  return {
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash.toString('hex'),
    chainHead: row.chain_head.toString('hex'),
    signedAt: row.signed_at.toISOString(),
    keyId: row.key_id.toString('hex'),
    note: row.note,
  };
}
