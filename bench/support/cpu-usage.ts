import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of processes, read from /proc (Linux), so a benchmark can say which process used the
 * machine's cores during a measured window: the target, the PostgreSQL backends serving it, the
 * rest of PostgreSQL, the load generator — and everything else (other work on a shared machine,
 * which makes the figures unreliable). Where /proc is missing every figure is NaN.
 */
const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every mainstream Linux architecture

function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Time on a CPU and time runnable but waiting for one (the scheduler's run queue), in ms, from schedstat. */
function schedMs(path: string): { run: number; wait: number } {
  try {
    const [run, wait] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    return { run: (run ?? Number.NaN) / 1e6, wait: (wait ?? Number.NaN) / 1e6 };
  } catch {
    return { run: Number.NaN, wait: Number.NaN };
  }
}

type PostgresRole = 'ours' | 'server' | 'foreign';

/** A backend's title is `postgres: <cluster>: <user> <database> <client> <state>`; auxiliary processes have no database. */
function postgresProcesses(databases: readonly string[]): Map<number, PostgresRole> {
  const found = new Map<number, PostgresRole>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
        const words = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().split(/\s+/);
        const role: PostgresRole = words.some((w) => databases.includes(w))
          ? 'ours'
          : words.some((w) => /\(\d+\)$|^\[local\]$/.test(w)) || words.includes('autovacuum') && words.includes('worker')
            ? 'foreign'
            : 'server';
        found.set(Number(entry), role);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    // No /proc.
  }
  return found;
}

function machineCpuMs(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, v) => sum + v, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: ((total - idle) * 1000) / TICKS_PER_SECOND, total: (total * 1000) / TICKS_PER_SECOND };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

export interface CpuSnapshot {
  readonly at: number;
  readonly target: number;
  /** The target's main (event-loop) thread. */
  readonly targetMain: { readonly run: number; readonly wait: number };
  readonly self: number;
  readonly postgres: ReadonlyMap<number, { readonly role: PostgresRole; readonly ms: number; readonly wait: number }>;
  readonly machine: { readonly busy: number; readonly total: number };
}

/** `databases`: the names whose backends count as serving the target. */
export function cpuSnapshot(targetPid: number, databases: readonly string[]): CpuSnapshot {
  const postgres = new Map<number, { role: PostgresRole; ms: number; wait: number }>();
  for (const [pid, role] of postgresProcesses(databases)) {
    postgres.set(pid, { role, ms: processCpuMs(pid), wait: schedMs(`/proc/${pid}/schedstat`).wait });
  }
  return {
    at: Date.now(),
    target: processCpuMs(targetPid),
    targetMain: schedMs(`/proc/${targetPid}/task/${targetPid}/schedstat`),
    self: processCpuMs(process.pid),
    postgres,
    machine: machineCpuMs(),
  };
}

/** Cores used on average over the window, per party (1.0 = one core fully busy). */
export interface CpuShares {
  readonly target: number;
  /** The target's event-loop thread: on a CPU, and runnable but waiting for a CPU. */
  readonly targetMainRun: number;
  readonly targetMainWait: number;
  /** Backends connected to the target's database. */
  readonly postgres: number;
  /** Time those backends were runnable but waiting for a CPU. */
  readonly postgresWait: number;
  /** WAL writer, checkpointer, background writer, launcher, postmaster. */
  readonly postgresServer: number;
  readonly loadGenerator: number;
  /** Everything else that ran meanwhile, including other databases' backends: noise. */
  readonly other: number;
  readonly machineBusy: number;
  readonly cores: number;
}

export function cpuShares(before: CpuSnapshot, after: CpuSnapshot): CpuShares {
  const wallMs = after.at - before.at;
  const byRole: Record<PostgresRole, number> = { ours: 0, server: 0, foreign: 0 };
  let postgresWaitMs = 0;
  for (const [pid, now] of after.postgres) {
    // A process that started during the window counts from zero; one that ended is lost (rare).
    byRole[now.role] += now.ms - (before.postgres.get(pid)?.ms ?? 0);
    if (now.role === 'ours') postgresWaitMs += now.wait - (before.postgres.get(pid)?.wait ?? 0);
  }
  const target = (after.target - before.target) / wallMs;
  const postgres = byRole.ours / wallMs;
  const postgresServer = byRole.server / wallMs;
  const loadGenerator = (after.self - before.self) / wallMs;
  const machineBusy = (after.machine.busy - before.machine.busy) / wallMs;
  return {
    target,
    targetMainRun: (after.targetMain.run - before.targetMain.run) / wallMs,
    targetMainWait: (after.targetMain.wait - before.targetMain.wait) / wallMs,
    postgres,
    postgresWait: postgresWaitMs / wallMs,
    postgresServer,
    loadGenerator,
    other: Math.max(0, machineBusy - target - postgres - postgresServer - loadGenerator),
    machineBusy,
    cores: (after.machine.total - before.machine.total) / wallMs,
  };
}

export function formatCpuShares(shares: CpuShares): string {
  const f = (v: number) => v.toFixed(2);
  return (
    `cores busy ${f(shares.machineBusy)} of ${f(shares.cores)}: target ${f(shares.target)}, its postgres backends ${f(shares.postgres)}, ` +
    `postgres server processes ${f(shares.postgresServer)}, load generator ${f(shares.loadGenerator)}, other work ${f(shares.other)}; ` +
    `target event-loop thread on a CPU ${f(shares.targetMainRun)} and waiting for one ${f(shares.targetMainWait)} ` +
    `(its backends waiting ${f(shares.postgresWait)})`
  );
}
