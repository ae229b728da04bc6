import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventLogSubscription, EventStore, sqlState, UNIQUE_VIOLATION } from '@app/event-store';
import type { PoolClient } from 'pg';
import { AsyncMutex } from '../common/async-mutex';
import { ThrottledWarning } from '../common/throttled-warning';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { eventLogSettings } from '../database/event-log-settings';
import { AuditLedgerRepository } from './ledger/audit-ledger.repository';
import { CheckpointSigner } from './ledger/checkpoint-signer';
import { leafBatch, type LeafBatch } from './ledger/leaf-batch';
import { LedgerPlanner } from './ledger/ledger-planner';
import type { LedgerState } from './ledger/ledger-state';
import { SigningKeyCheck } from './signing-key-check';

export const SEALER_CONSUMER = 'sealer';

/**
 * Once caught up, the sealer reads the log at most this often. Sealing need not follow each
 * commit within milliseconds (checkpoints come every CHECKPOINT_INTERVAL_MS), and a batch costs
 * about as much as a single event: at 200 filings/s, sealing each commit as it came took a
 * quarter of the worker's queries.
 */
const SEAL_INTERVAL_MS = 250;

/** No event of the batch is sealed yet (the one-statement path: a sealed one fails its unique position). */
const NOTHING_SEALED: ReadonlySet<number> = new Set();

/**
 * Seals the event log: follows it in the gap-safe commit order and gives each event a gap-free
 * ledger sequence number, its RFC 6962 leaf hash, a running hash chain and the Merkle tree nodes
 * it completes, all written in one transaction per batch; and signs C2SP checkpoints every
 * CHECKPOINT_MAX_EVENTS new leaves or CHECKPOINT_INTERVAL_MS. One sealer runs across all worker
 * processes (the subscription's advisory lock); a re-delivered batch is recognised by the
 * positions already in the ledger and skipped. What to write is the LedgerPlanner's, the SQL the
 * AuditLedgerRepository's; this class decides when, and which way.
 *
 * The leaf covers the event as stored (its stored data and event_version), not an upcast view,
 * so a later upcaster never changes a sealed leaf.
 */
@Injectable()
export class SealerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly retrying = new ThrottledWarning(new Logger('sealer'), 'sealer is retrying');
  private readonly subscription: EventLogSubscription<LeafBatch>;
  private readonly planner: LedgerPlanner;
  /** The ledger's end as this sealer left it: undefined before the first batch and after a failure (reload). */
  private state?: LedgerState;
  /** Serializes batches and the interval check (both touch `state`). */
  private readonly lock = new AsyncMutex();
  private timer?: NodeJS.Timeout;
  private readonly batchCounts = { atOnce: 0, carefully: 0 };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    eventStore: EventStore,
    private readonly ledger: AuditLedgerRepository,
    private readonly signer: CheckpointSigner,
    private readonly signingKey: SigningKeyCheck,
  ) {
    this.planner = new LedgerPlanner({ maxEvents: config.audit.checkpointMaxEvents, intervalMs: config.audit.checkpointIntervalMs });
    this.subscription = new EventLogSubscription(eventStore, {
      name: SEALER_CONSUMER,
      ...eventLogSettings(config),
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
    // Said at start-up when the key may not sign (logged by the check); the batches then wait for it.
    this.signingKey.assertMaySign().catch(() => undefined);
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
    // A key the last checkpoint's verifiers would not know: seal nothing (the batch comes again).
    await this.signingKey.assertMaySign();
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
    const plan = this.planner.planBatch(state, batch, { alreadySealed: NOTHING_SEALED, now: elapsedTime() });
    if (!(await this.ledger.sealBatch(state, plan, this.signer.sign(plan.checkpoints)))) return false;
    this.state = plan.next;
    this.batchCounts.atOnce += 1;
    return true;
  }

  /** The batch under the ledger lock, from the ledger end as stored, skipping events sealed before. */
  private async sealCarefully(batch: LeafBatch): Promise<void> {
    await this.updateLedger(async (tx) => {
      const now = elapsedTime();
      const state = await this.ledger.loadState(tx, now);
      // One client, one query at a time.
      const alreadySealed = await this.ledger.sealedPositions(tx, batch.events.map((e) => e.position));
      const plan = this.planner.planBatch(state, batch, { alreadySealed, now });
      await this.ledger.append(tx, plan);
      await this.ledger.insertCheckpoints(tx, this.signer.sign(plan.checkpoints));
      return plan.next;
    });
    this.batchCounts.carefully += 1;
  }

  /** The interval check between batches: new leaves and CHECKPOINT_INTERVAL_MS since the last checkpoint. */
  private async checkpointIfDue(): Promise<void> {
    const state = this.state;
    if (state === undefined || !this.planner.isCheckpointDue(state, elapsedTime())) return;
    await this.signingKey.assertMaySign();
    await this.updateLedger(async (tx) => {
      const now = elapsedTime();
      const current = await this.ledger.currentState(tx, state, now);
      // Another sealer moved the ledger: let the next batch (or tick) start from the database.
      if (current !== state) return current;
      const plan = this.planner.planCheckpoint(state, await this.ledger.latestCheckpointSize(tx), now);
      await this.ledger.insertCheckpoints(tx, this.signer.sign(plan.checkpoints));
      return plan.next;
    });
  }

  /** Runs `work` under the ledger lock and keeps the ledger end it returns; on failure forgets it (reload before the retry). */
  private async updateLedger(work: (tx: PoolClient) => Promise<LedgerState>): Promise<void> {
    try {
      this.state = await this.ledger.underLedgerLock(work);
    } catch (error) {
      this.state = undefined;
      throw error;
    }
  }
}

/**
 * Monotonic milliseconds, for the checkpoint cadence (CHECKPOINT_INTERVAL_MS) only, which runs on
 * elapsed time like the timer that drives it (and ignores the wall clock being set). Not the
 * application Clock: that is the time of record (a checkpoint's signed-at, see CheckpointSigner),
 * which tests hold still, and a clock held still never lets an interval checkpoint fall due.
 */
function elapsedTime(): number {
  return performance.now();
}
