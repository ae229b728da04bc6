import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import { toCheckpointView, type CheckpointRow, type CheckpointView, type Page, type TreeSizeCursor } from './audit-views';

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

const COLUMNS = 'c.tree_size::text AS tree_size, c.root_hash, c.chain_head, c.signed_at, c.key_id, c.note';

@QueryHandler(GetLatestCheckpointQuery)
export class GetLatestCheckpointHandler implements IQueryHandler<GetLatestCheckpointQuery, CheckpointView | undefined> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute(): Promise<CheckpointView | undefined> {
    const { rows } = await this.pool.query<CheckpointRow>(`SELECT ${COLUMNS} FROM audit_checkpoints c ORDER BY c.tree_size DESC LIMIT 1`);
    return rows[0] === undefined ? undefined : toCheckpointView(rows[0]);
  }
}

@QueryHandler(ListCheckpointsQuery)
export class ListCheckpointsHandler implements IQueryHandler<ListCheckpointsQuery, Page<CheckpointView, TreeSizeCursor>> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ afterTreeSize, limit }: ListCheckpointsQuery): Promise<Page<CheckpointView, TreeSizeCursor>> {
    const { rows } = await this.pool.query<CheckpointRow>(
      `SELECT ${COLUMNS} FROM audit_checkpoints c WHERE c.tree_size > $1 ORDER BY c.tree_size LIMIT $2`,
      [afterTreeSize, limit + 1],
    );
    const items = rows.slice(0, limit).map(toCheckpointView);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last !== undefined ? { treeSize: last.treeSize } : undefined };
  }
}
