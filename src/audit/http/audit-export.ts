import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { exportCheckpointLine, exportEventLine } from '@app/event-store';
import { toAuditEventView, toCheckpointView, type CheckpointRow, type SealedEventRow } from './audit-views';

/** Events read per query while exporting. */
export const EXPORT_BATCH_SIZE = 1000;

interface EventRow extends SealedEventRow {
  /** The leaf hash in lowercase hex, as the line states it (encoded by Postgres, not decoded and re-encoded here). */
  leaf_hash_hex: string;
}

interface ExportBatch {
  readonly rows: EventRow[];
  readonly checkpoints: CheckpointRow[];
}

/** The event's line in the export's form (exportEventLine): its bytes after the prefix are the leaf bytes. */
function eventLine(row: EventRow): string {
  const view = toAuditEventView(row);
  return exportEventLine(view.seq, row.leaf_hash_hex, view);
}

/**
 * The sealed log as NDJSON lines, in ledger order, read in batches of EXPORT_BATCH_SIZE (constant
 * memory): one line per event and, after the event completing a checkpoint (seq = treeSize - 1),
 * a `{ "checkpoint": … }` line. Each batch's lines come as one UTF-8 chunk ending with a newline.
 * Only what was sealed when the export started is exported.
 */
@Injectable()
export class AuditExporter {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async *lines(batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<Buffer> {
    const { rows: top } = await this.pool.query<{ max: string | null }>('SELECT max(l.seq)::text AS max FROM audit_ledger l');
    const lastSeq = top[0]?.max === null || top[0] === undefined ? -1 : Number(top[0].max);
    // Each batch is read while the one before it is turned into lines and sent: the database and
    // this process work at the same time, not in turn.
    let next = lastSeq >= 0 ? this.batch(-1, lastSeq, batchSize) : undefined;
    while (next !== undefined) {
      const { rows, checkpoints } = await next;
      const last = rows.at(-1);
      if (last === undefined) break;
      const batchEnd = Number(last.seq);
      next = batchEnd < lastSeq ? this.batch(batchEnd, lastSeq, batchSize) : undefined;
      const bySize = new Map(checkpoints.map((c) => [Number(c.tree_size), toCheckpointView(c)]));
      // The batch's lines are joined and encoded once, into the chunk the response sends.
      const lines: string[] = [];
      for (const row of rows) {
        lines.push(eventLine(row));
        const checkpoint = bySize.get(Number(row.seq) + 1);
        if (checkpoint !== undefined) lines.push(exportCheckpointLine(checkpoint));
      }
      lines.push('');
      yield Buffer.from(lines.join('\n'), 'utf8');
    }
  }

  /** The sealed events after seq `after` (up to `lastSeq`, at most `limit`) and the checkpoints they complete. */
  private batch(after: number, lastSeq: number, limit: number): Promise<ExportBatch> {
    const reading = (async (): Promise<ExportBatch> => {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT l.seq::text AS seq, e.global_position::text AS global_position, e.stream_id,
                e.stream_version::text AS stream_version, e.event_type, e.event_version, e.data, e.metadata,
                e.recorded_at, encode(l.leaf_hash, 'hex') AS leaf_hash_hex
           FROM (SELECT * FROM audit_ledger WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3) l
           JOIN events e ON e.global_position = l.global_position
          ORDER BY l.seq`,
        [after, lastSeq, limit],
      );
      const last = rows.at(-1);
      if (last === undefined) return { rows, checkpoints: [] };
      const { rows: checkpoints } = await this.pool.query<CheckpointRow>(
        `SELECT c.tree_size::text AS tree_size, c.root_hash, c.chain_head, c.signed_at, c.key_id, c.note
           FROM audit_checkpoints c
          WHERE c.tree_size > $1 AND c.tree_size <= $2
          ORDER BY c.tree_size`,
        [after + 1, Number(last.seq) + 1],
      );
      return { rows, checkpoints };
    })();
    // A read ahead is dropped when the client goes away mid-export: its failure must not go unhandled.
    reading.catch(() => undefined);
    return reading;
  }
}
