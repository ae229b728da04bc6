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
