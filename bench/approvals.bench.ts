/**
 * `npm run bench:approvals` — approvals contending on ONE fund stream. 500 approvals of distinct
 * requests (all funded from the rapid_response window of one fiscal year, so every one of them
 * appends to `fund-<fiscalYear>` under its expected version) at concurrency 20: approvals/s, p99,
 * failed appends (version conflicts of the fund stream, retried by handleCommand) per approval, and
 * the ratio to the same number of single-event appends to distinct new streams (no contention)
 * through the same `EventStore.append`, in the same run. Progress goes to stderr; the
 * last stdout line is
 *   {"bench":"approvals","per_s":N,"p99_ms":N,"retries_per_approval":N,"ratio":N}
 * Target: the contended path stays above 200 approvals/s.
 *
 * In-process, no HTTP: the command path itself, as the CommandBus's one handler runs it. The
 * collaborators are built by hand (no Nest context, so no Redis is needed), exactly as the app
 * wires them: CommandRunner(EventStore, UuidV7Generator, IdempotencyStore), running the
 * `aidRequests` and `funds` aggregates.
 * The EventStore is a subclass (CountingEventStore) that only observes: it counts the appends that
 * were refused with ConcurrencyError and, through AsyncLocalStorage, attributes the time of every
 * read and append to the approval that made it. The gap between a refused append and the next read
 * of the same approval is handleCommand's backoff sleep (plus event-loop delay).
 *
 *  Setup (not measured): a throwaway database cdt_fund_bench_approvals_<random>, migrated;
 *  500 × AMOUNT allocated to the window (exactly enough); 500 requests filed by a partner (incident,
 *  severity high → rapid_response), auto-triaged and claimed by officer-1 (→ under_review), at
 *  concurrency 20 on distinct streams.
 *  Baseline: a warm-up, then 500 single-event appends to distinct new streams at concurrency 20.
 *  Measured: 500 ApproveAidRequest commands (amountApproved = amount requested, below the four-eyes
 *  threshold) at concurrency 20, each timed from its first issue to its success. A command that gives
 *  up after handleCommand's attempts (RetriesExhaustedError, an HTTP 409 "retry the request") is
 *  issued again, as a client would — counted and reported separately (`client re-issues`).
 *  Verified (exit 1, no JSON line, otherwise): every approval succeeded, exactly 500 GrantApproved
 *  and 500 FundsCommitted events, the window's committed == 500 × AMOUNT ≤ allocated both in
 *  fund_views and in a replay of the fund stream, every request view `approved`.
 *
 * Breakdown printed per approval (means): wait before its first read (the runner's in-process lock
 * on money-moving commands), reads of the request and of the fund stream, folding the fund stream +
 * deciding, successful and refused appends, backoff sleeps; then the cost of folding the fund
 * stream at ¼, ½ and all of its final length (it is read and folded in full by every attempt).
 *
 * Knobs (environment): BENCH_APPROVALS (500), BENCH_CONCURRENCY (20), BENCH_POOL_SIZE (20),
 * BENCH_RUNNERS (1; 20 = one runner per loop, i.e. 20 processes racing optimistically on the fund
 * stream through handleCommand's retries), BENCH_BASELINE_WARMUP (200), BENCH_MAX_REISSUES (100),
 * BENCH_ENFORCE_TARGET=1 (exit 1 at or below 200 approvals/s). The server is DATABASE_URL's
 * (through the app's configuration).
 * The database is dropped at the end, also on failure (and by an exit hook on SIGINT/SIGTERM).
 */
import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  ConcurrencyError,
  EventStore,
  fold,
  RetriesExhaustedError,
  type AppendedStream,
  type AppendEffects,
  type RecordedEvent,
  type Sql,
  type StreamAppend,
} from '@app/event-store';
import { aidRequests } from '../src/aid-requests/aid-request.aggregate';
import { CommandRunner, type RunOptions } from '../src/commands/command-runner';
import type { AidRequestCommand } from '../src/aid-requests/domain/aid-request.commands';
import { UuidV7Generator } from '../src/common/ids';
import { IdempotencyStore } from '../src/common/idempotency/idempotency.store';
import { loadConfig } from '../src/config/env.schema';
import { prepareDatabase } from '../src/database/prepare-database';
import { fundDecider } from '../src/funds/domain/fund.decider';
import { windowBalance } from '../src/funds/domain/fund.state';
import { fundStreamId } from '../src/funds/domain/fund.values';
import { funds } from '../src/funds/fund.aggregate';
import type { CommandActor } from '../src/kernel/command-context';
import { armExitCleanup } from './support/exit-cleanup';
import { databaseUrl, dropDatabase } from './support/pg-admin';
import { intFromEnv } from './support/env';
import { fiscalYearOf } from '../src/kernel/fiscal-year';
import { load, log, percentile } from './support/report';

const APPROVALS = intFromEnv('BENCH_APPROVALS', 500);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 20);
const POOL_SIZE = intFromEnv('BENCH_POOL_SIZE', 20);
const BASELINE_WARMUP = intFromEnv('BENCH_BASELINE_WARMUP', 200, 0);
const MAX_REISSUES = intFromEnv('BENCH_MAX_REISSUES', 100, 0);
/**
 * Command runners for the measured approvals, loop k using runner k mod RUNNERS. One (the default)
 * is one app process, as the app wires it; more stand for that many processes behind a load
 * balancer: what one runner serialises in memory (if anything) they contend for in the database.
 */
const RUNNERS = intFromEnv('BENCH_RUNNERS', 1);
const ENFORCE_TARGET = process.env['BENCH_ENFORCE_TARGET'] === '1';

const TARGET_PER_S = 200;
/** Cents per request, requested and approved: well below the four-eyes threshold. */
const AMOUNT = 1_000_000n;
const POLICY = { fourEyesThreshold: 25_000_000n, fiscalYearStartMonth: 10, highRiskMaxTranchePercent: 25 } as const;
const WINDOW = 'rapid_response' as const;

const PARTNER: CommandActor = { sub: 'bench-partner', role: 'partner', country: 'CR' };
const OFFICER: CommandActor = { sub: 'officer-1', role: 'officer' };
const SYSTEM: CommandActor = { sub: 'system:triage', role: 'system' };
const ADMIN: CommandActor = { sub: 'bench-admin', role: 'admin' };

const ids = new UuidV7Generator();

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : sum(values) / values.length);
const ms = (n: number): string => `${n.toFixed(2)} ms`;

/** Runs `work(i, loop)` for i in 0 .. count-1 from `concurrency` loops (numbered 0 ..). */
async function runPool(count: number, concurrency: number, work: (i: number, loop: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async (_, loop) => {
      while (next < count) await work(next++, loop);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Instrumentation: an EventStore that observes (never changes) what the command path does.

/** Where one approval's time went, attributed through AsyncLocalStorage. */
interface ApprovalTrace {
  /** appendWithEffects / append calls (= attempts of handleCommand, over every issue). */
  appends: number;
  /** Appends refused with ConcurrencyError (= retries). */
  conflicts: number;
  readRequestMs: number;
  readFundMs: number;
  appendOkMs: number;
  /** Refused appends, including the store's follow-up queries that explain the refusal. */
  appendConflictMs: number;
  /** From a refused append to the next read of the same approval: the backoff sleep. */
  backoffMs: number;
  /** Versions of the fund stream seen by the fund reads (its length when read). */
  fundEventsRead: number;
  /** From the fund read's end to the append: folding the fund stream and deciding (CPU). */
  foldFundMs: number;
  /** When the approval was issued, until its first read: waiting for an in-process lock, if any. */
  issuedAt: number | undefined;
  waitMs: number;
  lastConflictAt: number | undefined;
  lastFundReadAt: number | undefined;
}

const newTrace = (): ApprovalTrace => ({
  appends: 0,
  conflicts: 0,
  readRequestMs: 0,
  readFundMs: 0,
  appendOkMs: 0,
  appendConflictMs: 0,
  backoffMs: 0,
  fundEventsRead: 0,
  foldFundMs: 0,
  issuedAt: undefined,
  waitMs: 0,
  lastConflictAt: undefined,
  lastFundReadAt: undefined,
});

const traces = new AsyncLocalStorage<ApprovalTrace>();

class CountingEventStore extends EventStore {
  appendCalls = 0;
  failedAppends = 0;

  override async readStream(streamId: string, fromVersion = 1, sql?: Sql): Promise<RecordedEvent[]> {
    const trace = traces.getStore();
    const started = performance.now();
    if (trace?.issuedAt !== undefined) {
      trace.waitMs += started - trace.issuedAt;
      trace.issuedAt = undefined;
    }
    if (trace?.lastConflictAt !== undefined) {
      trace.backoffMs += started - trace.lastConflictAt;
      trace.lastConflictAt = undefined;
    }
    const events = await super.readStream(streamId, fromVersion, sql);
    if (trace !== undefined) {
      const ended = performance.now();
      const elapsed = ended - started;
      if (streamId.startsWith('fund-')) {
        trace.readFundMs += elapsed;
        trace.fundEventsRead += events.length;
        trace.lastFundReadAt = ended;
      } else {
        trace.readRequestMs += elapsed;
      }
    }
    return events;
  }

  override append(appends: readonly StreamAppend[], effects?: AppendEffects): Promise<AppendedStream[]> {
    return this.observe(() => super.append(appends, effects));
  }

  private async observe(append: () => Promise<AppendedStream[]>): Promise<AppendedStream[]> {
    const trace = traces.getStore();
    this.appendCalls++;
    const started = performance.now();
    if (trace) {
      trace.appends++;
      if (trace.lastFundReadAt !== undefined) trace.foldFundMs += started - trace.lastFundReadAt;
      trace.lastFundReadAt = undefined;
    }
    try {
      const appended = await append();
      if (trace) trace.appendOkMs += performance.now() - started;
      return appended;
    } catch (error) {
      if (error instanceof ConcurrencyError) {
        this.failedAppends++;
        if (trace) {
          const now = performance.now();
          trace.conflicts++;
          trace.appendConflictMs += now - started;
          trace.lastConflictAt = now;
        }
      }
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------

function fileCommand(requestId: string, now: Date): AidRequestCommand {
  return {
    type: 'FileAidRequest',
    data: {
      requestId,
      kind: 'incident_response',
      title: 'Ransomware on customs and tax systems',
      description: 'Customs and tax systems encrypted; operations halted since this morning.',
      actionArea: 'countering_threats',
      amountRequested: AMOUNT,
      incident: { severity: 'high', ongoing: true, detectedAt: new Date(now.getTime() - 3_600_000), sectors: ['government', 'finance'] },
      contact: { encrypted: { v: 1, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'c2VhbGVk', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' } },
    },
    context: { actor: PARTNER, now },
  };
}

function approveCommand(): AidRequestCommand {
  return { type: 'ApproveAidRequest', data: { amountApproved: AMOUNT }, policy: POLICY, partner: null, context: { actor: OFFICER, now: new Date() } };
}

function runOptions(expectNew = false): RunOptions {
  return { trace: { correlationId: ids.newId() }, expectNew };
}

/** A realistic single event (≈ 600 bytes of JSON), as in bench:append. */
function baselineAppend(): StreamAppend {
  const requestId = ids.newId();
  return {
    streamId: `aid_request-${requestId}`,
    streamType: 'aid_request',
    expectedVersion: 'no_stream',
    events: [
      {
        eventId: ids.newId(),
        type: 'AidRequestFiled',
        data: {
          requestId,
          country: 'CR',
          kind: 'incident_response',
          title: 'Ransomware on customs and tax systems',
          description: 'Customs and tax systems encrypted; operations halted since this morning.',
          actionArea: 'countering_threats',
          amountRequested: AMOUNT.toString(),
          incident: { severity: 'high', ongoing: true, detectedAt: new Date().toISOString(), sectors: ['government', 'finance'] },
          contact: { encrypted: { v: 1, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'c2VhbGVk', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' } },
        },
        metadata: { actor: PARTNER, correlationId: ids.newId(), commandId: ids.newId() },
      },
    ],
  };
}

interface PhaseResult {
  readonly perSecond: number;
  readonly elapsedMs: number;
  readonly latencies: number[];
}

async function baseline(store: EventStore, count: number): Promise<PhaseResult> {
  const latencies: number[] = [];
  const started = performance.now();
  await runPool(count, CONCURRENCY, async () => {
    const t = performance.now();
    await store.append([baselineAppend()]);
    latencies.push(performance.now() - t);
  });
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { perSecond: (count * 1000) / elapsedMs, elapsedMs, latencies };
}

function check(problems: string[], ok: boolean, message: string): void {
  if (!ok) problems.push(message);
}

async function main(): Promise<number> {
  const server = loadConfig().database.url;
  const triageConfig = { sla: loadConfig().sla };
  const name = `cdt_fund_bench_approvals_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(server, name);
  const cleanup = armExitCleanup({ databaseUrls: [url], directories: [] });
  let pool: pg.Pool | undefined;
  try {
    log(`creating and migrating ${name}`);
    await prepareDatabase(url);
    pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
    // DROP ... WITH (FORCE) may end idle connections: not a crash.
    pool.on('error', () => undefined);

    const store = new CountingEventStore(pool);
    const idempotency = new IdempotencyStore(pool);
    const runners = Array.from({ length: RUNNERS }, () => new CommandRunner(store, ids, idempotency));
    const runner = runners[0]!;

    // ---- Setup (not measured) ----
    const setupStarted = performance.now();
    const fiscalYear = fiscalYearOf(new Date(), POLICY.fiscalYearStartMonth);
    const allocated = AMOUNT * BigInt(APPROVALS);
    await runner.run(
      funds,
      String(fiscalYear),
      { type: 'AllocateFunds', data: { fiscalYear, window: WINDOW, amount: allocated, note: 'bench:approvals' }, context: { actor: ADMIN, now: new Date() } },
      runOptions(),
    );
    log(`allocated ${allocated} cents to ${WINDOW} of FY${fiscalYear} (${fundStreamId(fiscalYear)}): exactly ${APPROVALS} × ${AMOUNT}`);

    const requestIds = Array.from({ length: APPROVALS }, () => ids.newId());
    await runPool(APPROVALS, CONCURRENCY, async (i) => {
      const requestId = requestIds[i]!;
      const filedAt = new Date();
      await runner.run(aidRequests, requestId, fileCommand(requestId, filedAt), runOptions(true));
      await runner.run(aidRequests, requestId, { type: 'AutoTriage', config: triageConfig, context: { actor: SYSTEM, now: new Date() } }, runOptions());
      const { view } = await runner.run(aidRequests, requestId, { type: 'ClaimAidRequest', context: { actor: OFFICER, now: new Date() } }, runOptions());
      if (view.status !== 'under_review') throw new Error(`request ${requestId} is ${view.status} after the claim, not under_review`);
      if (fiscalYearOf(filedAt, POLICY.fiscalYearStartMonth) !== fiscalYear) throw new Error('the fiscal year changed during the setup; run again');
    });
    log(`setup: ${APPROVALS} requests filed, triaged and claimed (under_review) in ${Math.round(performance.now() - setupStarted)} ms · ${load()}`);

    // ---- Baseline: single-event appends to distinct new streams, no contention ----
    if (BASELINE_WARMUP > 0) await baseline(store, BASELINE_WARMUP);
    const base = await baseline(store, APPROVALS);
    log(
      `baseline: ${APPROVALS} single-event appends (distinct new streams, concurrency ${CONCURRENCY}) in ${Math.round(base.elapsedMs)} ms → ` +
        `${Math.round(base.perSecond)}/s, p50 ${ms(percentile(base.latencies, 0.5))}, p99 ${ms(percentile(base.latencies, 0.99))} · ${load()}`,
    );

    // ---- Measured: contended approvals ----
    const appendsBefore = store.appendCalls;
    const failedBefore = store.failedAppends;
    const latencies: number[] = [];
    const approvalTraces: ApprovalTrace[] = [];
    const issuesPerApproval: number[] = [];
    const failures: string[] = [];
    let exhausted = 0;
    let done = 0;
    log(
      `approving ${APPROVALS} requests at concurrency ${CONCURRENCY}, all on ${fundStreamId(fiscalYear)}, ` +
        `through ${RUNNERS} command runner${RUNNERS === 1 ? ' (one app process)' : 's (as many app processes)'} · ${load()}`,
    );
    const started = performance.now();
    await runPool(APPROVALS, CONCURRENCY, async (i, loop) => {
      const requestId = requestIds[i]!;
      const approver = runners[loop % runners.length]!;
      const trace = newTrace();
      const t = performance.now();
      let issues = 0;
      for (;;) {
        issues++;
        trace.issuedAt = performance.now();
        try {
          const { view } = await traces.run(trace, () => approver.run(aidRequests, requestId, approveCommand(), runOptions()));
          if (view.status !== 'approved') failures.push(`${requestId}: ${view.status} after the approval`);
          break;
        } catch (error) {
          if (error instanceof RetriesExhaustedError && issues <= MAX_REISSUES) {
            exhausted++;
            continue;
          }
          failures.push(`${requestId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
          break;
        }
      }
      latencies.push(performance.now() - t);
      approvalTraces.push(trace);
      issuesPerApproval.push(issues);
      done++;
      if (done % 100 === 0 || done === APPROVALS) {
        const elapsed = performance.now() - started;
        log(
          `  ${done}/${APPROVALS} in ${Math.round(elapsed)} ms (${Math.round((done * 1000) / elapsed)}/s), ` +
            `failed appends so far ${store.failedAppends - failedBefore}, client re-issues ${exhausted} · ${load()}`,
        );
      }
    });
    const elapsedMs = performance.now() - started;
    const perSecond = (APPROVALS * 1000) / elapsedMs;
    const failedAppends = store.failedAppends - failedBefore;
    const appendCalls = store.appendCalls - appendsBefore;
    latencies.sort((a, b) => a - b);

    // ---- Where the time went ----
    const per = (pick: (t: ApprovalTrace) => number): number => mean(approvalTraces.map(pick));
    const attempts = approvalTraces.map((t) => t.appends).sort((a, b) => a - b);
    const parts = {
      'wait for in-process lock': per((t) => t.waitMs),
      'read request': per((t) => t.readRequestMs),
      'read fund': per((t) => t.readFundMs),
      'fold fund + decide': per((t) => t.foldFundMs),
      'append ok': per((t) => t.appendOkMs),
      'refused appends': per((t) => t.appendConflictMs),
      'backoff sleep': per((t) => t.backoffMs),
    };
    const rest = mean(latencies) - sum(Object.values(parts));
    log(
      `approvals: ${APPROVALS} in ${Math.round(elapsedMs)} ms → ${Math.round(perSecond)}/s, ` +
        `p50 ${ms(percentile(latencies, 0.5))}, p95 ${ms(percentile(latencies, 0.95))}, p99 ${ms(percentile(latencies, 0.99))}, max ${ms(latencies.at(-1) ?? Number.NaN)} · ${load()}`,
    );
    log(
      `  appends ${appendCalls} for ${APPROVALS} approvals: ${failedAppends} refused with ConcurrencyError ` +
        `(${(failedAppends / APPROVALS).toFixed(2)} per approval; attempts per approval p50 ${percentile(attempts, 0.5)}, ` +
        `p99 ${percentile(attempts, 0.99)}, max ${attempts.at(-1)}); ${exhausted} RetriesExhaustedError → client re-issues ` +
        `(approvals needing one: ${issuesPerApproval.filter((n) => n > 1).length})`,
    );
    log(
      `  mean per approval (${ms(mean(latencies))}): ${Object.entries(parts)
        .map(([part, value]) => `${part} ${ms(value)}`)
        .join(', ')}, rest (request fold/decide, JSON, event loop) ${ms(rest)}; ` +
        `${Math.round(mean(approvalTraces.map((t) => t.fundEventsRead / Math.max(1, t.appends))))} fund events per read on average`,
    );
    log(
      `  the fund stream took one commit per ${ms(elapsedMs / APPROVALS)}; per attempt: read fund ` +
        `${ms(per((t) => t.readFundMs / Math.max(1, t.appends)))} + fold/decide ${ms(per((t) => t.foldFundMs / Math.max(1, t.appends)))} + ` +
        `append ${ms(per((t) => (t.appendOkMs + t.appendConflictMs) / Math.max(1, t.appends)))}`,
    );

    // ---- Verification ----
    const problems: string[] = [];
    check(problems, failures.length === 0, `${failures.length} approvals failed, e.g. ${failures.slice(0, 3).join(' | ')}`);
    const { rows: counts } = await pool.query<{ granted: number; committed: number }>(
      `SELECT count(*) FILTER (WHERE event_type = 'GrantApproved')::int AS granted,
              count(*) FILTER (WHERE event_type = 'FundsCommitted')::int AS committed FROM events`,
    );
    const granted = counts[0]?.granted ?? -1;
    const commitments = counts[0]?.committed ?? -1;
    check(problems, granted === APPROVALS, `${granted} GrantApproved events, expected ${APPROVALS}`);
    check(problems, commitments === APPROVALS, `${commitments} FundsCommitted events, expected ${APPROVALS}`);

    const fundEvents = await store.readStream(fundStreamId(fiscalYear));
    const replayed = windowBalance(fold(fundDecider, fundEvents as unknown as Parameters<typeof fundDecider.evolve>[1][]), WINDOW);
    const expected = AMOUNT * BigInt(APPROVALS);
    check(problems, replayed.committed === expected, `fund stream replay: committed ${replayed.committed}, expected ${expected}`);
    check(problems, replayed.committed <= replayed.allocated, `fund stream replay: committed ${replayed.committed} > allocated ${replayed.allocated}`);

    const { rows: views } = await pool.query<{ version: number; view: { windows: Record<string, { allocated: number; committed: number }> } }>(
      'SELECT version, view FROM fund_views WHERE fiscal_year = $1',
      [fiscalYear],
    );
    const fundView = views[0]?.view.windows[WINDOW];
    check(problems, fundView !== undefined, `no fund_views row for FY${fiscalYear}`);
    if (fundView) {
      check(problems, BigInt(fundView.committed) === expected, `fund_views: committed ${fundView.committed}, expected ${expected}`);
      check(problems, fundView.committed <= fundView.allocated, `fund_views: committed ${fundView.committed} > allocated ${fundView.allocated}`);
      check(problems, views[0]?.version === fundEvents.length, `fund_views version ${views[0]?.version}, fund stream at ${fundEvents.length}`);
    }
    const { rows: statuses } = await pool.query<{ approved: number }>(
      `SELECT count(*)::int AS approved FROM aid_request_views WHERE status = 'approved'`,
    );
    check(problems, statuses[0]?.approved === APPROVALS, `${statuses[0]?.approved} request views approved, expected ${APPROVALS}`);
    if (problems.length > 0) {
      for (const problem of problems) log(`FAILED: ${problem}`);
      return 1;
    }
    // How the cost of one fund read + fold grows with the fund stream (the stream is read and
    // folded in full by every attempt of every approval).
    const costs: string[] = [];
    for (const size of [1, Math.floor(fundEvents.length / 4), Math.floor(fundEvents.length / 2), fundEvents.length]) {
      const prefix = fundEvents.slice(0, Math.max(1, size)) as unknown as Parameters<typeof fundDecider.evolve>[1][];
      const foldMs: number[] = [];
      for (let r = 0; r < 7; r++) {
        const t = performance.now();
        fold(fundDecider, prefix);
        foldMs.push(performance.now() - t);
      }
      foldMs.sort((x, y) => x - y);
      costs.push(`${prefix.length} events: fold ${ms(percentile(foldMs, 0.5))}`);
    }
    const readMs: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      await store.readStream(fundStreamId(fiscalYear));
      readMs.push(performance.now() - t);
    }
    readMs.sort((x, y) => x - y);
    log(`  fund stream cost (median of 7, idle): ${costs.join(', ')}; readStream of all ${fundEvents.length} ${ms(percentile(readMs, 0.5))} · ${load()}`);

    log(
      `verified: ${granted} GrantApproved, ${commitments} FundsCommitted; ${WINDOW} committed ${replayed.committed} of ${replayed.allocated} allocated ` +
        `(replay and fund_views agree, version ${fundEvents.length}); ${APPROVALS} views approved`,
    );

    const ratio = perSecond / base.perSecond;
    const line = {
      bench: 'approvals',
      per_s: Math.round(perSecond),
      p99_ms: Math.round(percentile(latencies, 0.99) * 100) / 100,
      retries_per_approval: Math.round((failedAppends / APPROVALS) * 1000) / 1000,
      ratio: Math.round(ratio * 1000) / 1000,
    };
    const missed = perSecond <= TARGET_PER_S;
    log(`${line.per_s} approvals/s (target > ${TARGET_PER_S}: ${missed ? 'MISSED' : 'met'}) · baseline ${Math.round(base.perSecond)} appends/s · ratio ${line.ratio} · ${load()}`);
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return missed && ENFORCE_TARGET ? 1 : 0;
  } finally {
    await pool?.end().catch(() => undefined);
    try {
      await dropDatabase(url);
      log(`dropped ${name}`);
      cleanup.disarm();
    } catch (error) {
      log(`could not drop ${name}: ${String(error)} (the exit hook tries again)`);
    }
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
