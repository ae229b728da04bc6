import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { RELAY_CONSUMER } from '../../src/relay/relay.service';
import type { ChildService } from './child-service';
import { log } from './report';

/** How far the sealer has come, read by the benches that wait for it (bench:audit, bench:growth). */
export interface LedgerProgress {
  readonly sealed: number;
  readonly checkpointed: number;
  readonly relayPosition: number;
  readonly foreignWriters: number;
}

/** Index lookups only (gap-free seq: max(seq) + 1 is the row count), so polling costs the sealer nothing measurable. */
export async function ledgerProgress(db: pg.Pool): Promise<LedgerProgress> {
  const { rows } = await db.query<{ sealed: string; checkpointed: string; relay: string | null; foreign_writers: number }>(
    `SELECT (SELECT coalesce(max(seq) + 1, 0) FROM audit_ledger)::text AS sealed,
            (SELECT coalesce(max(tree_size), 0) FROM audit_checkpoints)::text AS checkpointed,
            (SELECT global_position FROM consumer_checkpoints WHERE consumer = $1)::text AS relay,
            (SELECT count(*) FROM pg_stat_activity
              WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())::int AS foreign_writers`,
    [RELAY_CONSUMER],
  );
  const r = rows[0]!;
  return { sealed: Number(r.sealed), checkpointed: Number(r.checkpointed), relayPosition: Number(r.relay ?? 0), foreignWriters: r.foreign_writers };
}

export interface SealWait {
  /** The last progress seen. */
  readonly last: LedgerProgress;
  /** performance.now() of the poll that saw `events` sealed and checkpointed; NaN when the deadline came first. */
  readonly doneAt: number;
}

/**
 * Polls every `pollMs` until `events` events are sealed AND a checkpoint covers them, or until
 * `deadline` (a performance.now() time). `onPoll` sees every poll (for progress and measurements).
 * Throws when the worker exits meanwhile.
 */
export async function waitUntilSealed(
  db: pg.Pool,
  worker: ChildService,
  events: number,
  options: { readonly deadline: number; readonly pollMs: number; readonly onPoll?: (progress: LedgerProgress, at: number) => void },
): Promise<SealWait> {
  for (;;) {
    const exit = worker.exitCode();
    if (exit !== undefined) throw new Error(`the worker exited (${String(exit)}) while sealing:\n${worker.recentOutput()}`);
    const last = await ledgerProgress(db);
    const now = performance.now();
    options.onPoll?.(last, now);
    if (last.sealed >= events && last.checkpointed >= events) return { last, doneAt: now };
    if (now >= options.deadline) return { last, doneAt: Number.NaN };
    await sleep(options.pollMs);
  }
}

function popcount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

/** Checks a ledger sealed from a log of `events` events: that many rows, N − popcount(N) Merkle nodes above the leaves, a checkpoint of size N. */
export async function checkSealedLedger(db: pg.Pool, events: number, failures: string[]): Promise<void> {
  const { rows: check } = await db.query<{ ledger: string; distinct_positions: string; nodes: string; top: string | null }>(
    `SELECT (SELECT count(*) FROM audit_ledger)::text AS ledger,
            (SELECT count(DISTINCT global_position) FROM audit_ledger)::text AS distinct_positions,
            (SELECT count(*) FROM merkle_nodes)::text AS nodes,
            (SELECT max(tree_size) FROM audit_checkpoints)::text AS top`,
  );
  const c = check[0]!;
  const expectedNodes = events - popcount(events);
  log(`[seal] audit_ledger ${c.ledger} rows (${c.distinct_positions} distinct positions), merkle_nodes ${c.nodes} (expected ${expectedNodes}), ` +
    `latest checkpoint ${c.top ?? 'none'}`);
  if (Number(c.ledger) !== events || Number(c.distinct_positions) !== events) failures.push(`seal: audit_ledger has ${c.ledger} rows, expected ${events}`);
  if (Number(c.nodes) !== expectedNodes) failures.push(`seal: merkle_nodes has ${c.nodes} rows, expected ${expectedNodes}`);
  if (Number(c.top) !== events) failures.push(`seal: the latest checkpoint has tree size ${c.top}, expected ${events}`);
}

/**
 * The tables the sealer just filled have no planner statistics until autovacuum analyzes them
 * (up to autovacuum_naptime after enough rows changed). Without them, the export's and the database
 * verification's batch query (audit_ledger JOIN events WHERE seq > $1 AND seq <= $2 ORDER BY seq
 * LIMIT n) was seen planned as a bitmap scan of the WHOLE remaining range, joined, then top-N
 * sorted: every batch costs O(rows left), the export O(N²). A ledger sealed a while ago has been
 * analyzed by autovacuum (when it is on: it may be off on a development server); `analyze` measures
 * that steady state (false measures with whatever statistics autovacuum left).
 */
export async function analyzeAfterSeal(db: pg.Pool, analyze: boolean): Promise<void> {
  const { rows } = await db.query<{ relname: string; last_autoanalyze: Date | null; n_mod_since_analyze: string }>(
    `SELECT relname, last_autoanalyze, n_mod_since_analyze::text AS n_mod_since_analyze
       FROM pg_stat_user_tables WHERE relname IN ('audit_ledger', 'merkle_nodes', 'audit_checkpoints') ORDER BY relname`,
  );
  const { rows: setting } = await db.query<{ autovacuum: string }>(`SELECT current_setting('autovacuum') AS autovacuum`);
  log(`[seal] planner statistics left by autovacuum (autovacuum = ${setting[0]?.autovacuum ?? '?'} on this server): ${rows
    .map((r) => `${r.relname} ${r.last_autoanalyze === null ? 'never analyzed' : `analyzed at ${r.last_autoanalyze.toISOString()}`}, ${r.n_mod_since_analyze} rows since`)
    .join('; ')}`);
  if (!analyze) {
    log('[seal] not analyzed: the API phases run with those statistics');
    return;
  }
  const started = performance.now();
  await db.query('ANALYZE audit_ledger, merkle_nodes, audit_checkpoints');
  log(`[seal] ANALYZE of the audit tables (as autovacuum would have by then; not measured): ${(performance.now() - started).toFixed(0)} ms`);
}
