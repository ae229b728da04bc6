import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { exportCheckpointLine, exportEventLine } from '@app/event-store';
import { toAuditEventView, toCheckpointView, type CheckpointRow, type SealedEventRow } from './audit-views';

/** Events read per query while exporting. */
export const EXPORT_BATCH_SIZE = 1000;

interface EventRow extends SealedEventRow {
  leaf_hash: Buffer;
}

/** The event's line in the export's form (exportEventLine): its bytes after the prefix are the leaf bytes. */
function eventLine(row: EventRow): string {
  const view = toAuditEventView(row);
  return exportEventLine(view.seq, row.leaf_hash.toString('hex'), view);
}

/**
 * The sealed log as NDJSON lines, in ledger order, read in batches of EXPORT_BATCH_SIZE (constant
 * memory): one line per event and, after the event completing a checkpoint (seq = treeSize - 1),
 * a `{ "checkpoint": … }` line. Only what was sealed when the export started is exported.
 */
@Injectable()
export class AuditExporter {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async *lines(batchSize = EXPORT_BATCH_SIZE): AsyncGenerator<string> {
    const { rows: top } = await this.pool.query<{ max: string | null }>('SELECT max(l.seq)::text AS max FROM audit_ledger l');
    const lastSeq = top[0]?.max === null || top[0] === undefined ? -1 : Number(top[0].max);
    let after = -1;
    while (after < lastSeq) {
      const { rows } = await this.pool.query<EventRow>(
        `SELECT l.seq::text AS seq, e.global_position::text AS global_position, e.stream_id,
                e.stream_version::text AS stream_version, e.event_type, e.event_version, e.data, e.metadata,
                e.recorded_at, l.leaf_hash
           FROM (SELECT * FROM audit_ledger WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3) l
           JOIN events e ON e.global_position = l.global_position
          ORDER BY l.seq`,
        [after, lastSeq, batchSize],
      );
      const last = rows.at(-1);
      if (last === undefined) break;
      const batchEnd = Number(last.seq);
      const { rows: checkpoints } = await this.pool.query<CheckpointRow>(
        `SELECT c.tree_size::text AS tree_size, c.root_hash, c.chain_head, c.signed_at, c.key_id, c.note
           FROM audit_checkpoints c
          WHERE c.tree_size > $1 AND c.tree_size <= $2
          ORDER BY c.tree_size`,
        [after + 1, batchEnd + 1],
      );
      const bySize = new Map(checkpoints.map((c) => [Number(c.tree_size), toCheckpointView(c)]));
      let chunk = '';
      for (const row of rows) {
        chunk += `${eventLine(row)}\n`;
        const checkpoint = bySize.get(Number(row.seq) + 1);
        if (checkpoint !== undefined) chunk += `${exportCheckpointLine(checkpoint)}\n`;
      }
      yield chunk;
      after = batchEnd;
    }
  }
}
