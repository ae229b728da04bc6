import type pg from 'pg';
import { checkFilings, type Filing, type FilingClient } from './filing-load';
import { describeSummary, log, summarize } from './report';
import { filedStreamIds, streamTimes, triageLatencies, waitUntilTriaged } from './triage-outcome';

/**
 * The warm-up before a measured filing load: the same open-loop rate for `seconds`, every filing
 * waited for until triaged. Its latency is printed but counted nowhere: for several seconds after
 * start-up both app processes run behind their steady state (see bench:triage). Returns the filings
 * (for the end-of-run checks); failures are added to `failures`.
 */
export async function warmUp(
  client: FilingClient,
  db: pg.Pool,
  load: { readonly rate: number; readonly seconds: number; readonly triageTimeoutS: number },
  failures: string[],
): Promise<Filing[]> {
  log(`[latency] warm-up: ${load.rate}/s for ${load.seconds} s`);
  const warmup = await client.openLoop('warmup', load.rate, load.seconds);
  checkFilings('warm-up', warmup, failures);
  const ids = filedStreamIds(warmup);
  const n = await waitUntilTriaged(db, ids, load.triageTimeoutS * 1000, 'warm-up');
  if (n !== ids.length) failures.push(`warm-up: only ${n} of ${ids.length} requests triaged within ${load.triageTimeoutS} s`);
  const latencies = triageLatencies(warmup, await streamTimes(db, ids));
  log(`[latency] warm-up, left out of the figures: ${describeSummary(summarize(latencies))}`);
  return warmup;
}
