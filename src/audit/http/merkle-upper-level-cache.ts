import { MerkleUpperLevels, MerkleUpperLevelsMismatch } from '@app/event-store';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';

/**
 * The most Merkle hashes the API process holds: 262,144 × 32 bytes = 8 MiB (plus one Buffer per
 * level). At 1,000,000 events that is levels 3 and up (≈ 250,000 nodes), so an inclusion proof
 * reads only its leaf sibling and two nodes from merkle_nodes; at 2^40 events, levels 23 and up.
 */
export const MERKLE_CACHE_MAX_HASHES = 262_144;

/** DI token of another bound (tests); unprovided, the bound is MERKLE_CACHE_MAX_HASHES. */
export const MERKLE_CACHE_BOUND = Symbol('MERKLE_CACHE_BOUND');

interface LevelRow {
  level: number;
  hashes: Buffer | null;
}

/**
 * The upper levels of the sealed Merkle tree in memory (see MerkleUpperLevels: only complete
 * subtrees of the latest checkpoint's tree, which never change). Proofs read the snapshot and ask
 * the database only for what it does not hold; a proof against a checkpoint it does not cover yet
 * calls `catchUp`, which reads the new nodes in the background, one read at a time. Until then,
 * and whenever a read fails, proofs simply read more from the database.
 */
@Injectable()
export class MerkleUpperLevelCache {
  private readonly logger = new Logger('audit-proofs');
  private current: MerkleUpperLevels;
  private reading: Promise<void> | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(MERKLE_CACHE_BOUND) private readonly maxHashes: number = MERKLE_CACHE_MAX_HASHES,
  ) {
    this.current = MerkleUpperLevels.empty(maxHashes);
  }

  /** What is held now; immutable, so one proof sees one snapshot. */
  snapshot(): MerkleUpperLevels {
    return this.current;
  }

  /** Starts reading up to the latest checkpoint when `treeSize` (a checkpoint's) is not covered and no read is under way. */
  catchUp(treeSize: number): void {
    if (treeSize <= this.current.coveredSize || this.reading !== undefined) return;
    this.reading = this.read()
      .catch((error: unknown) => {
        if (error instanceof MerkleUpperLevelsMismatch) {
          // Not the tree held (a database restored or replaced under this process): start again.
          this.current = MerkleUpperLevels.empty(this.maxHashes);
        }
        this.logger.warn(`could not read the upper Merkle levels (proofs read them from the database meanwhile): ${String(error)}`);
      })
      .finally(() => {
        this.reading = undefined;
      });
  }

  /** Resolves when the read under way, if any, has ended (for tests). */
  async settled(): Promise<void> {
    await this.reading;
  }

  private async read(): Promise<void> {
    const { rows } = await this.pool.query<{ tree_size: string | null }>('SELECT max(tree_size)::text AS tree_size FROM audit_checkpoints');
    const size = Number(rows[0]?.tree_size ?? 0);
    const held = this.current;
    if (size < held.coveredSize) {
      throw new MerkleUpperLevelsMismatch(`the latest checkpoint (${size}) is older than the tree held (${held.coveredSize})`);
    }
    const ranges = held.rangesToCover(size);
    // Each level's run packed into one bytea: a few rows, whatever the number of nodes.
    const { rows: levels } = await this.pool.query<LevelRow>({
      name: 'audit_merkle_upper_levels',
      text: `SELECT r.level::int AS level,
                    (SELECT string_agg(n.hash, ''::bytea ORDER BY n.idx) FROM merkle_nodes n
                      WHERE n.level = r.level AND n.idx >= r.lo AND n.idx < r.hi) AS hashes
               FROM unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS r(level, lo, hi)`,
      values: [ranges.map((r) => r.level), ranges.map((r) => r.from), ranges.map((r) => r.to)],
    });
    const read = new Map(levels.map((row) => [row.level, row.hashes ?? Buffer.alloc(0)]));
    // Only ever moves forward from the snapshot the ranges were planned on.
    if (this.current === held) this.current = held.covering(size, read);
  }
}
