import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import type { CheckpointView, Page, TreeSizeCursor } from './audit-views';

export class GetLatestCheckpointQuery extends Query<CheckpointView | undefined> {}

export class ListCheckpointsQuery extends Query<Page<CheckpointView, TreeSizeCursor>> {
  constructor(
    /** Only tree sizes greater than this (-1: from the start). */
    readonly afterTreeSize: number,
    readonly limit: number,
  ) {
    super();
  }
}

interface Row {
  tree_size: string;
  root_hash: Buffer;
  chain_head: Buffer;
  signed_at: Date;
  key_id: Buffer;
  note: string;
}

const COLUMNS = 'c.tree_size::text AS tree_size, c.root_hash, c.chain_head, c.signed_at, c.key_id, c.note';

function toView(row: Row): CheckpointView {
  return {
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash.toString('hex'),
    chainHead: row.chain_head.toString('hex'),
    signedAt: row.signed_at.toISOString(),
    keyId: row.key_id.toString('hex'),
    note: row.note,
  };
}

@QueryHandler(GetLatestCheckpointQuery)
export class GetLatestCheckpointHandler implements IQueryHandler<GetLatestCheckpointQuery, CheckpointView | undefined> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute(): Promise<CheckpointView | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM audit_checkpoints c ORDER BY c.tree_size DESC LIMIT 1`);
    return rows[0] === undefined ? undefined : toView(rows[0]);
  }
}

@QueryHandler(ListCheckpointsQuery)
export class ListCheckpointsHandler implements IQueryHandler<ListCheckpointsQuery, Page<CheckpointView, TreeSizeCursor>> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ afterTreeSize, limit }: ListCheckpointsQuery): Promise<Page<CheckpointView, TreeSizeCursor>> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM audit_checkpoints c WHERE c.tree_size > $1 ORDER BY c.tree_size LIMIT $2`,
      [afterTreeSize, limit + 1],
    );
    const items = rows.slice(0, limit).map(toView);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last !== undefined ? { treeSize: last.treeSize } : undefined };
  }
}
