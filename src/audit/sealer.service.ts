import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  EventLogSubscription,
  EventStore,
  MerkleAccumulator,
  auditLeafHash,
  frontierNodeKeys,
  hashChain,
  signLedgerCheckpoint,
  sqlState,
  UNIQUE_VIOLATION,
  type RecordedEvent,
} from '@app/event-store';
import { setImmediate } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { AsyncMutex } from '../common/async-mutex';
import { Clock } from '../common/clock';
import { ThrottledWarning } from '../common/throttled-warning';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PG_POOL } from '../database/pg-pool';
import { AuditSigningKey } from './audit-signing-key';

export const SEALER_CONSUMER = 'sealer';

/**
 * Once caught up, the sealer reads the log at most this often. Sealing need not follow each
 * commit within milliseconds (checkpoints come every CHECKPOINT_INTERVAL_MS), and a batch costs
 * about as much as a single event: at 200 filings/s, sealing each commit as it came took a
 * quarter of the worker's queries.
 */
const SEAL_INTERVAL_MS = 250;

/** A batch of the log (as stored: the subscription does not upcast) with each event's leaf hash. */
interface LeafBatch {
  readonly events: readonly RecordedEvent[];
  readonly leaves: readonly Buffer[];
}

/** Events hashed between two yields to the event loop while a batch is prepared. */
const HASH_SLICE = 100;

/**
 * The batch's leaf hashes, computed in slices of HASH_SLICE with the event loop free in between:
 * a batch read ahead is hashed while the one before it is written, whose round trips must not
 * wait for the whole batch's hashing.
 */
async function leafBatch(events: readonly RecordedEvent[]): Promise<LeafBatch> {
  const leaves: Buffer[] = [];
  for (let start = 0; start < events.length; start += HASH_SLICE) {
    if (start > 0) await setImmediate();
    for (const event of events.slice(start, start + HASH_SLICE)) leaves.push(auditLeafHash(event));
  }
  return { events, leaves };
}

/** No event of the batch is sealed yet (the one-statement path: a sealed one fails its unique position). */
const NOTHING_SEALED: ReadonlySet<number> = new Set();

/** What sealing a batch writes, and the ledger's end after it (see SealerService.plan). */
interface BatchPlan {
  /** seq, global_position, leaf_hash, chain_hash of the ledger rows; level, idx, hash of the Merkle nodes. */
  readonly rows: [number[], number[], Buffer[], Buffer[], number[], number[], Buffer[]];
  readonly tree: MerkleAccumulator;
  readonly chainHead: Buffer | null;
  /** The checkpoints the batch completes, to sign. */
  readonly checkpoints: readonly CheckpointDraft[];
}

/** A checkpoint signed and ready to store. */
interface SignedCheckpoint extends CheckpointDraft {
  readonly signedAt: Date;
  readonly keyId: Buffer;
  readonly note: string;
}

/** A checkpoint to sign: the tree at one size. */
interface CheckpointDraft {
  readonly treeSize: number;
  readonly rootHash: Buffer;
  /** chain_hash of the last leaf (zeros for the empty tree). */
  readonly chainHead: Buffer;
}

function draftOf(tree: MerkleAccumulator, chainHead: Buffer | null): CheckpointDraft {
  return { treeSize: tree.size, rootHash: tree.root(), chainHead: chainHead ?? Buffer.alloc(32) };
}

/** The sealer's view of the ledger's end: what the next batch appends to. */
interface LedgerState {
  readonly tree: MerkleAccumulator;
  /** chain_hash of the last leaf, null before the first. */
  chainHead: Buffer | null;
  /** tree_size of the latest checkpoint (0 when none). */
  checkpointedSize: number;
  /** Wall-clock ms of the latest checkpoint (or of loading, when none), for CHECKPOINT_INTERVAL_MS. */
  checkpointedAt: number;
}

/**
 * Seals the event log: follows it in the gap-safe commit order and gives each event a gap-free
 * ledger sequence number, its RFC 6962 leaf hash, a running hash chain and the Merkle tree nodes
 * it completes, all written in one transaction per batch; and signs C2SP checkpoints every
 * CHECKPOINT_MAX_EVENTS new leaves or CHECKPOINT_INTERVAL_MS. One sealer runs across all worker
 * processes (the subscription's advisory lock); a re-delivered batch is recognised by the
 * positions already in the ledger and skipped.
 *
 * The leaf covers the event as stored (its stored data and event_version), not an upcast view,
 * so a later upcaster never changes a sealed leaf.
 */
@Injectable()
export class SealerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly retrying = new ThrottledWarning(new Logger('sealer'), 'sealer is retrying');
  private readonly subscription: EventLogSubscription<LeafBatch>;
  private state?: LedgerState;
  /** Serializes batches and the interval check (both touch `state`). */
  private readonly lock = new AsyncMutex();
  private timer?: NodeJS.Timeout;
  private readonly batchCounts = { atOnce: 0, carefully: 0 };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    eventStore: EventStore,
    private readonly key: AuditSigningKey,
    private readonly clock: Clock,
  ) {
    this.subscription = new EventLogSubscription(eventStore, pool, {
      name: SEALER_CONSUMER,
      connectionString: config.database.url,
      batchSize: config.eventLog.batchSize,
      idlePollMs: config.eventLog.pollIntervalMs,
      standbyRetryMs: config.eventLog.standbyRetryMs,
      minReadIntervalMs: SEAL_INTERVAL_MS,
      // The leaf covers the event as written, so a later upcaster never changes a sealed leaf.
      asStored: true,
      // Leaf hashes need no database: computed as each batch is read, so a batch read ahead is
      // hashed while the one before it is being written.
      prepare: (events) => leafBatch(events),
      handle: (batch: LeafBatch) => this.lock.run(() => this.seal(batch)),
      onError: (error) => this.retrying.log(error),
    });
  }

  get isLeader(): boolean {
    return this.subscription.isLeader;
  }

  /** Batches sealed so far by this process: in one statement, and carefully (see seal). */
  get sealedBatches(): { readonly atOnce: number; readonly carefully: number } {
    return { ...this.batchCounts };
  }

  onApplicationBootstrap(): void {
    this.subscription.start();
    const every = Math.max(50, Math.min(1_000, Math.floor(this.config.audit.checkpointIntervalMs / 2)));
    this.timer = setInterval(() => {
      if (!this.subscription.isLeader) return;
      void this.lock.run(() => this.checkpointIfDue()).catch((error: unknown) => this.retrying.log(error));
    }, every);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.subscription.stop();
    await this.lock.run(() => Promise.resolve()); // the batch in hand, if any, finishes first
  }

  /**
   * Appends one batch (in ledger order) and, when due, checkpoints, in one transaction: in one
   * round trip (audit_seal_batch) when the ledger is where this sealer left it, which is the
   * rule; otherwise, or when the batch was sealed before (re-delivered after a crash), carefully.
   */
  private async seal(batch: LeafBatch): Promise<void> {
    const state = this.state;
    if (state !== undefined) {
      try {
        if (await this.sealAtOnce(batch, state)) return;
      } catch (error) {
        // A re-delivered event (its position is sealed): the careful path skips it. Anything else
        // fails the batch, which the subscription hands over again.
        if (sqlState(error) !== UNIQUE_VIOLATION) {
          this.state = undefined;
          throw error;
        }
      }
      this.state = undefined;
    }
    await this.sealCarefully(batch);
  }

  /** The batch against the ledger end this sealer knows, in one statement; false when the ledger is elsewhere. */
  private async sealAtOnce(batch: LeafBatch, state: LedgerState): Promise<boolean> {
    const plan = this.plan(batch, state, NOTHING_SEALED);
    const checkpoints = this.sign(plan.checkpoints, state.checkpointedSize);
    const { rows } = await this.pool.query<{ sealed: boolean }>({
      name: 'sealer_seal_batch',
      text: 'SELECT audit_seal_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) AS sealed',
      values: [
        state.tree.size,
        state.chainHead,
        state.checkpointedSize,
        ...plan.rows,
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
    if (rows[0]?.sealed !== true) return false;
    this.state = this.after(state, plan, checkpoints);
    this.batchCounts.atOnce += 1;
    return true;
  }

  /** The batch under the ledger lock, from the ledger end as stored, skipping events sealed before. */
  private async sealCarefully(batch: LeafBatch): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await lockLedger(client);
      const state = await this.ledgerState(client);
      // One client, one query at a time.
      const sealed = await client.query<{ global_position: string }>({
        name: 'sealer_already_sealed',
        text: 'SELECT global_position::text AS global_position FROM audit_ledger WHERE global_position = ANY($1::bigint[])',
        values: [batch.events.map((e) => e.position)],
      });
      const plan = this.plan(batch, state, new Set(sealed.rows.map((r) => Number(r.global_position))));
      if (plan.rows[0].length > 0) {
        // One statement: the ledger rows and the Merkle nodes they complete.
        await client.query({
          name: 'sealer_append',
          text: `WITH ledger AS (
                   INSERT INTO audit_ledger (seq, global_position, leaf_hash, chain_hash)
                   SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[])
                 )
                 INSERT INTO merkle_nodes (level, idx, hash) SELECT * FROM unnest($5::smallint[], $6::bigint[], $7::bytea[])`,
          values: plan.rows,
        });
      }
      const checkpoints = await this.insertCheckpoints(client, plan.checkpoints);
      await client.query('COMMIT');
      this.state = this.after(state, plan, checkpoints);
      this.batchCounts.carefully += 1;
    } catch (error) {
      this.state = undefined; // reload from the database before the retry
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * What sealing the batch onto `state` writes (pure but for the clock of the interval check): the
   * ledger rows and Merkle nodes as the columns of sealer_append, the tree and chain after them,
   * and a checkpoint every CHECKPOINT_MAX_EVENTS leaves, wherever the batch happens to end, plus
   * one for the rest once CHECKPOINT_INTERVAL_MS has passed. `state` itself is not changed.
   */
  private plan({ events, leaves }: LeafBatch, state: LedgerState, alreadySealed: ReadonlySet<number>): BatchPlan {
    const rows: BatchPlan['rows'] = [[], [], [], [], [], [], []];
    const [seqs, positions, leafHashes, chains, nodeLevels, nodeIndexes, nodeHashes] = rows;
    let chainHead = state.chainHead;
    const tree = new MerkleAccumulator(state.tree.size, state.tree.frontier);
    const checkpoints: CheckpointDraft[] = [];
    let checkpointedSize = state.checkpointedSize;
    for (const [i, event] of events.entries()) {
      if (alreadySealed.has(event.position)) continue; // re-delivered after a crash: sealed before
      const leaf = leaves[i]!;
      chainHead = hashChain(chainHead, leaf);
      seqs.push(tree.size);
      positions.push(event.position);
      leafHashes.push(leaf);
      chains.push(chainHead);
      for (const node of tree.append(leaf)) {
        if (node.level === 0) continue;
        nodeLevels.push(node.level);
        nodeIndexes.push(node.index);
        nodeHashes.push(node.hash);
      }
      if (tree.size - checkpointedSize >= this.config.audit.checkpointMaxEvents) {
        checkpoints.push(draftOf(tree, chainHead));
        checkpointedSize = tree.size;
      }
    }
    const freshSince = checkpoints.length > 0 ? Date.now() : state.checkpointedAt;
    if (this.isCheckpointDue({ tree, chainHead, checkpointedSize, checkpointedAt: freshSince })) checkpoints.push(draftOf(tree, chainHead));
    return { rows, tree, chainHead, checkpoints };
  }

  /** The ledger's end once the plan, made on `state`, and its signed checkpoints are stored. */
  private after(state: LedgerState, plan: BatchPlan, checkpoints: readonly SignedCheckpoint[]): LedgerState {
    const last = checkpoints.at(-1);
    return {
      tree: plan.tree,
      chainHead: plan.chainHead,
      checkpointedSize: last?.treeSize ?? state.checkpointedSize,
      checkpointedAt: last === undefined ? state.checkpointedAt : Date.now(),
    };
  }

  /**
   * Signs checkpoints (ascending tree sizes), each naming the one before it, the first naming
   * `previousTreeSize`; one whose tree size that already covers is left out.
   */
  private sign(drafts: readonly CheckpointDraft[], previousTreeSize: number): SignedCheckpoint[] {
    const signed: SignedCheckpoint[] = [];
    let previous = previousTreeSize;
    for (const { treeSize, rootHash, chainHead } of drafts) {
      if (previous >= treeSize) continue;
      const signedAt = this.clock.now();
      const note = signLedgerCheckpoint(
        { origin: this.key.keyName, treeSize, rootHash, chainHead, signedAt, previousTreeSize: previous },
        this.key.keyName,
        this.key.privateKey,
      );
      signed.push({ treeSize, rootHash, chainHead, signedAt, keyId: this.key.keyId, note });
      previous = treeSize;
    }
    return signed;
  }

  /** The interval check between batches: new leaves and CHECKPOINT_INTERVAL_MS since the last checkpoint. */
  private async checkpointIfDue(): Promise<void> {
    const state = this.state;
    if (state === undefined || !this.isCheckpointDue(state)) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await lockLedger(client);
      const current = await this.ledgerState(client);
      if (current !== state) {
        // Another sealer moved the ledger: let the next batch (or tick) start from the database.
        await client.query('ROLLBACK');
        return;
      }
      await this.insertCheckpoints(client, [draftOf(state.tree, state.chainHead)]);
      await client.query('COMMIT');
      state.checkpointedSize = state.tree.size;
      state.checkpointedAt = Date.now();
    } catch (error) {
      this.state = undefined;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private isCheckpointDue(state: LedgerState): boolean {
    const fresh = state.tree.size - state.checkpointedSize;
    if (fresh <= 0) return false;
    return fresh >= this.config.audit.checkpointMaxEvents || Date.now() - state.checkpointedAt >= this.config.audit.checkpointIntervalMs;
  }

  /**
   * Signs and stores checkpoints (see sign), naming as the first one's predecessor the latest
   * checkpoint as stored (under the ledger lock), not as this process last saw it.
   */
  private async insertCheckpoints(client: PoolClient, drafts: readonly CheckpointDraft[]): Promise<SignedCheckpoint[]> {
    if (drafts.length === 0) return [];
    const { rows } = await client.query<{ size: string | null }>('SELECT max(c.tree_size)::text AS size FROM audit_checkpoints c');
    const signed = this.sign(drafts, Number(rows[0]?.size ?? 0));
    for (const { treeSize, rootHash, chainHead, signedAt, keyId, note } of signed) {
      await client.query(
        `INSERT INTO audit_checkpoints (tree_size, root_hash, chain_head, signed_at, key_id, note)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tree_size) DO NOTHING`,
        [treeSize, rootHash, chainHead, signedAt, keyId, note],
      );
    }
    return signed;
  }

  /**
   * The ledger's end as the database has it, reusing the in-memory state when it still matches
   * (the common case): one indexed read of the last ledger row per batch. Otherwise (first batch,
   * after an error, or another sealer moved on) the Merkle frontier is reloaded from merkle_nodes.
   */
  private async ledgerState(client: PoolClient): Promise<LedgerState> {
    // (Aliases differ from the columns: ORDER BY must sort the bigint, not its text.)
    const { rows } = await client.query<{ last_seq: string; chain_hash: Buffer }>(
      'SELECT seq::text AS last_seq, chain_hash FROM audit_ledger ORDER BY seq DESC LIMIT 1',
    );
    const last = rows[0];
    const size = last === undefined ? 0 : Number(last.last_seq) + 1;
    const cached = this.state;
    if (cached !== undefined && cached.tree.size === size && (last === undefined || cached.chainHead?.equals(last.chain_hash) === true)) {
      return cached;
    }
    const keys = frontierNodeKeys(size);
    const leafIndexes = keys.filter((k) => k.level === 0).map((k) => k.index);
    const inner = keys.filter((k) => k.level > 0);
    const leafRows = await client.query<{ idx: string; hash: Buffer }>(
      'SELECT seq::text AS idx, leaf_hash AS hash FROM audit_ledger WHERE seq = ANY($1::bigint[])',
      [leafIndexes],
    );
    const nodeRows = await client.query<{ level: number; idx: string; hash: Buffer }>(
      `SELECT n.level, n.idx::text AS idx, n.hash
         FROM merkle_nodes n JOIN unnest($1::smallint[], $2::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx`,
      [inner.map((k) => k.level), inner.map((k) => k.index)],
    );
    const checkpointRows = await client.query<{ size: string }>(
      'SELECT tree_size::text AS size FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1',
    );
    const found = new Map<string, Buffer>();
    for (const r of leafRows.rows) found.set(`0/${r.idx}`, r.hash);
    for (const r of nodeRows.rows) found.set(`${r.level}/${r.idx}`, r.hash);
    const frontier = keys.map((k) => {
      const hash = found.get(`${k.level}/${k.index}`);
      if (hash === undefined) throw new Error(`the Merkle node ${k.level}/${k.index} of a tree of ${size} is missing`);
      return hash;
    });
    const state: LedgerState = {
      tree: new MerkleAccumulator(size, frontier),
      chainHead: last?.chain_hash ?? null,
      checkpointedSize: Number(checkpointRows.rows[0]?.size ?? 0),
      checkpointedAt: Date.now(),
    };
    this.state = state;
    return state;
  }
}

/**
 * Serializes the sealer's transactions across processes: a leader that lost its lease and the one
 * that took over must not interleave (two checkpoints naming the same predecessor, or leaves
 * appended to a ledger end read before the other's commit). Released at commit or rollback.
 */
async function lockLedger(client: PoolClient): Promise<void> {
  await client.query({ name: 'sealer_lock_ledger', text: "SELECT pg_advisory_xact_lock(hashtextextended('audit_ledger', 0))" });
}
