import { loadavg } from 'node:os';

/** Progress goes to stderr: stdout carries only the bench's last JSON line. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The 1- and 5-minute load averages, printed next to every figure: the machine has 2 cores and is shared. */
export function load(): string {
  const [one, five] = loadavg();
  return `load ${(one ?? 0).toFixed(2)}/${(five ?? 0).toFixed(2)}`;
}

/** Nearest-rank percentile of ascending values (NaN for none). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
  readonly mean: number;
}

/** The usual percentiles of a set of latencies (any order), in their unit. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
  };
}

export function describeSummary(s: Summary): string {
  const f = (v: number) => v.toFixed(1);
  return `p50 ${f(s.p50)} p95 ${f(s.p95)} p99 ${f(s.p99)} max ${f(s.max)} min ${f(s.min)} mean ${f(s.mean)} ms (n=${s.n})`;
}
