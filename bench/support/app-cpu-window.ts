import { readdirSync, readFileSync } from 'node:fs';
import type { ChildService } from './child-service';
import { cpuShares, cpuSnapshot, type CpuShares, type CpuSnapshot } from './cpu-usage';

/**
 * CPU use over a measured window of the app run as deployed (an api and a worker process): each
 * process, their Postgres backends, Redis, the bench itself and the rest of the machine.
 */
export interface AppProcesses {
  api?: ChildService;
  worker?: ChildService;
}

export interface CpuWindow {
  readonly worker: CpuSnapshot;
  readonly api?: CpuSnapshot;
  /** CPU time of the redis-server processes (shared with whoever else uses this Redis). */
  readonly redisMs: number;
}

/** CPU time (user + system) of every process with this command name, from /proc; NaN without /proc. */
export function cpuMsOfCommand(command: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== command) continue;
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ = 100
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    return Number.NaN;
  }
  return total;
}

export function cpuWindowStart(apps: AppProcesses, database: string): CpuWindow {
  return {
    worker: cpuSnapshot(apps.worker!.pid, [database]),
    ...(apps.api === undefined ? {} : { api: cpuSnapshot(apps.api.pid, [database]) }),
    redisMs: cpuMsOfCommand('redis-server'),
  };
}

/** CPU milliseconds per request over a window, by process, and the cores other work used meanwhile. */
export interface CpuWindowFigures {
  readonly perRequestMs: { readonly worker: number; readonly api: number; readonly postgres: number; readonly redis: number };
  readonly otherCores: number;
  /** The whole breakdown, for the log. */
  readonly text: string;
}

/**
 * Cores used over the window by the worker, the API, their Postgres backends, Redis, this process
 * and the rest of the machine; and CPU milliseconds per request (`requests` handled in the window),
 * which depend much less on a shared machine's load than the rates do.
 */
export function cpuWindowFigures(start: CpuWindow, apps: AppProcesses, database: string, requests: number): CpuWindowFigures {
  const worker: CpuShares = cpuShares(start.worker, cpuSnapshot(apps.worker!.pid, [database]));
  const wallMs = Date.now() - start.worker.at;
  const apiCores = start.api !== undefined && apps.api !== undefined ? cpuShares(start.api, cpuSnapshot(apps.api.pid, [database])).target : 0;
  const redisCores = (cpuMsOfCommand('redis-server') - start.redisMs) / wallMs;
  const f = (v: number) => v.toFixed(2);
  const other = Math.max(0, worker.other - apiCores - redisCores);
  const perRequest = (cores: number) => (cores * wallMs) / Math.max(1, requests);
  const perRequestMs = { worker: perRequest(worker.target), api: perRequest(apiCores), postgres: perRequest(worker.postgres), redis: perRequest(redisCores) };
  const text =
    `cores busy ${f(worker.machineBusy)} of ${f(worker.cores)}: worker ${f(worker.target)} (event-loop thread on a CPU ${f(worker.targetMainRun)}, ` +
    `waiting for one ${f(worker.targetMainWait)}), api ${f(apiCores)}, their postgres backends ${f(worker.postgres)} ` +
    `(waiting for a CPU ${f(worker.postgresWait)}), postgres server ${f(worker.postgresServer)}, redis ${f(redisCores)}, bench ${f(worker.loadGenerator)}, ` +
    `other work ${f(other)}${other > 0.2 ? ' — WARNING: a busy machine depresses these figures' : ''}\n` +
    `    CPU ms per request over ${requests} requests: worker ${f(perRequestMs.worker)}, api ${f(perRequestMs.api)}, ` +
    `postgres backends ${f(perRequestMs.postgres)}, redis ${f(perRequestMs.redis)}`;
  return { perRequestMs, otherCores: other, text };
}

/** cpuWindowFigures, as the text for the log. */
export function cpuWindowEnd(start: CpuWindow, apps: AppProcesses, database: string, requests: number): string {
  return cpuWindowFigures(start, apps, database, requests).text;
}
