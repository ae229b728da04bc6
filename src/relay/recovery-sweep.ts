import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventStore, type RecordedEvent } from '@app/event-store';
import type { Pool } from 'pg';
import { Clock } from '../common/clock';
import { ThrottledWarning } from '../common/throttled-warning';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PG_POOL } from '../database/pg-pool';
import { QueueProducer } from '../queues/queue-producer';
import { QueueSchedules } from '../queues/queue-schedules';
import type { JobRequest } from '../queues/queue-definitions';
import { aidRequestStreamId } from '../aid-requests/domain/aid-request.events';
import { reactionsTo } from './relay.reactions';

/** At most this many requests are looked at per sweep; the next sweep takes the rest. */
const SWEEP_LIMIT = 500;

/**
 * Requests that wait for a job since before $1 (at most $2): still `submitted` (their triage job),
 * or approved with a tranche still `released` (its disbursement job; a grant closes only once every
 * tranche is disbursed). The first part reads a partial index of the submitted requests (migration
 * SubmittedRequestsIndex), the second one of the approved grants (ApprovedGrantsIndex): the running
 * grants, which the fund's budget bounds. Neither reads the requests ever filed, so the sweep's cost
 * does not grow with history (test/operations/recovery-stuck-requests checks the plan).
 */
export const STUCK_REQUESTS = `
  SELECT id::text AS id FROM aid_request_views
   WHERE status = 'submitted' AND filed_at < $1
  UNION
  SELECT id::text FROM aid_request_views
   WHERE status = 'approved' AND updated_at < $1
     AND EXISTS (SELECT 1 FROM json_array_elements(view -> 'tranches') AS t WHERE t ->> 'status' = 'released')
  LIMIT $2`;

/** The ids of the requests waiting for a lost job since before `cutoff` (see STUCK_REQUESTS). */
export async function findStuckRequests(pool: Pool, cutoff: Date, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>({ name: 'recovery_stuck_requests', text: STUCK_REQUESTS, values: [cutoff, limit] });
  return rows.map((row) => row.id);
}

/**
 * The jobs a stuck request still needs, rebuilt from its own events with the relay's reactions, so
 * they carry the relay's job ids: a job that is only late is found in its queue and not added again.
 * Pure.
 */
export function recoveryJobs(events: readonly RecordedEvent[], now: Date): JobRequest[] {
  const triaged = events.some((event) => event.type === 'AidRequestTriaged');
  const disbursed = new Set(events.filter((event) => event.type === 'TrancheDisbursed').map((event) => (event.data as { tranche: number }).tranche));
  return events
    .filter(
      (event) =>
        (event.type === 'AidRequestFiled' && !triaged) ||
        (event.type === 'TrancheReleased' && !disbursed.has((event.data as { tranche: number }).tranche)),
    )
    .flatMap((event) => reactionsTo(event, now))
    .filter((job) => job.queue === 'triage' || job.queue === 'disbursements');
}

/**
 * Self-healing after Redis lost its data (or a job was lost any other way): every
 * RECONCILE_AFTER_MS / 2 this worker puts the recurring schedulers back if they are gone, and
 * enqueues again the jobs of requests left waiting longer than RECONCILE_AFTER_MS. Runs in every
 * worker: the job ids make a second sweep's additions no-ops.
 */
@Injectable()
export class RecoverySweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('recovery');
  private readonly retrying = new ThrottledWarning(this.logger, 'recovery sweep failed (will try again)', 60_000);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly eventStore: EventStore,
    private readonly producer: QueueProducer,
    private readonly schedules: QueueSchedules,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const everyMs = Math.max(100, Math.floor(this.config.reconcileAfterMs / 2));
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.retrying.log(error))
        .finally(() => {
          this.running = undefined;
        });
    }, everyMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many jobs it handed to the queues (most are no-ops when nothing was lost). */
  async sweep(): Promise<number> {
    // The schedulers and the stuck requests recover independently: one failing does not hold
    // the other back.
    const [registered, restored] = await Promise.allSettled([this.schedules.ensureRegistered(), this.restoreStuckJobs()]);
    if (registered.status === 'rejected') throw registered.reason;
    if (restored.status === 'rejected') throw restored.reason;
    return restored.value;
  }

  private async restoreStuckJobs(): Promise<number> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.reconcileAfterMs);
    const stuck = await findStuckRequests(this.pool, cutoff, SWEEP_LIMIT);
    // Every stuck request's events in one round trip.
    const streams = await this.eventStore.readStreams(stuck.map((id) => aidRequestStreamId(id)));
    const jobs = [...streams.values()].flatMap((events) => recoveryJobs(events, now));
    if (jobs.length > 0) await this.producer.restore(jobs);
    return jobs.length;
  }
}
