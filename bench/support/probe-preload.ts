/**
 * Loaded with `node -r` into a benchmark target in profiling mode (BENCH_PROFILE=1), before the
 * target's own code. Over a window opened and closed by IPC messages from the benchmark it records:
 *  - a V8 CPU profile (written as a .cpuprofile file, viewable in Chrome DevTools / speedscope);
 *  - every `pg` query: count and time from call to answer, by prepared-statement name or SQL text;
 *  - the time spent waiting for a pool connection;
 *  - event-loop utilisation and GC time;
 *  - with BENCH_PROFILE_HEAP=1, a V8 sampling heap profile of what was allocated, including what the
 *    next collection freed (a .heapprofile file): where the garbage the GC time goes on comes from.
 * It changes nothing else about the target.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, performance, type EventLoopUtilization } from 'node:perf_hooks';
import pg from 'pg';

export interface StatementStats {
  readonly statement: string;
  readonly count: number;
  readonly totalMs: number;
  readonly meanMs: number;
}

export interface ProbeReport {
  readonly pid: number;
  readonly windowMs: number;
  readonly eventLoopUtilization: number;
  readonly gcMs: number;
  readonly gcCount: number;
  readonly queries: number;
  readonly statements: readonly StatementStats[];
  readonly poolConnects: number;
  readonly poolWaitTotalMs: number;
  readonly poolWaitMeanMs: number;
  readonly cpuProfile?: string;
}

export type ProbeMessage = { readonly probe: 'start' } | { readonly probe: 'stop' };
export type ProbeReply = { readonly probe: 'started' } | { readonly probe: 'report'; readonly report: ProbeReport };

type Callback = (...args: unknown[]) => void;
type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

const statements = new Map<string, { count: number; totalMs: number }>();
let active = false;
let poolConnects = 0;
let poolWaitMs = 0;
let gcMs = 0;
let gcCount = 0;

function statementKey(first: unknown): string {
  if (typeof first === 'string') return first.replace(/\s+/g, ' ').slice(0, 90);
  if (typeof first === 'object' && first !== null) {
    const config = first as { name?: unknown; text?: unknown };
    if (typeof config.name === 'string') return `[${config.name}]`;
    if (typeof config.text === 'string') return config.text.replace(/\s+/g, ' ').slice(0, 90);
  }
  return '(unknown)';
}

function record(key: string, ms: number): void {
  if (!active) return;
  const entry = statements.get(key);
  if (entry === undefined) statements.set(key, { count: 1, totalMs: ms });
  else {
    entry.count++;
    entry.totalMs += ms;
  }
}

/** Wraps `fn` so that `onDone(ms)` runs when its callback fires or its promise settles. */
function timed(original: AnyFunction, onDone: (args: unknown[], ms: number) => void): AnyFunction {
  return function (this: unknown, ...args: unknown[]): unknown {
    const start = performance.now();
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (...results: unknown[]) => {
        onDone(args, performance.now() - start);
        (callback as Callback)(...results);
      };
      return original.apply(this, args);
    }
    // A query config may carry its own callback.
    const first = args[0] as { callback?: unknown } | undefined;
    if (first !== null && typeof first === 'object' && typeof first.callback === 'function') {
      const inner = first.callback as Callback;
      first.callback = (...results: unknown[]) => {
        onDone(args, performance.now() - start);
        inner(...results);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      result.then(
        () => onDone(args, performance.now() - start),
        () => onDone(args, performance.now() - start),
      );
    }
    return result;
  };
}

const clientPrototype = pg.Client.prototype as unknown as { query: AnyFunction };
clientPrototype.query = timed(clientPrototype.query, (args, ms) => record(statementKey(args[0]), ms));
const poolPrototype = pg.Pool.prototype as unknown as { connect: AnyFunction };
poolPrototype.connect = timed(poolPrototype.connect, (_args, ms) => {
  if (!active) return;
  poolConnects++;
  poolWaitMs += ms;
});

new PerformanceObserver((list) => {
  if (!active) return;
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcCount++;
  }
}).observe({ entryTypes: ['gc'] });

const session = new Session();
session.connect();
function post<T>(method: string, params?: object): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

let windowStart = 0;
let eluStart: EventLoopUtilization | undefined;
const profileDir = process.env['BENCH_PROFILE_DIR'];
const label = process.env['BENCH_PROFILE_LABEL'] ?? 'target';
const heapProfile = process.env['BENCH_PROFILE_HEAP'] === '1';

async function start(): Promise<void> {
  statements.clear();
  poolConnects = 0;
  poolWaitMs = 0;
  gcMs = 0;
  gcCount = 0;
  if (profileDir !== undefined) {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 500 });
    await post('Profiler.start');
    if (heapProfile) {
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
  }
  windowStart = performance.now();
  eluStart = performance.eventLoopUtilization();
  active = true;
}

async function stop(): Promise<ProbeReport> {
  active = false;
  const windowMs = performance.now() - windowStart;
  const elu = performance.eventLoopUtilization(eluStart);
  let cpuProfile: string | undefined;
  if (profileDir !== undefined) {
    const { profile } = await post<{ profile: unknown }>('Profiler.stop');
    cpuProfile = join(profileDir, `${label}-${process.pid}.cpuprofile`);
    writeFileSync(cpuProfile, JSON.stringify(profile));
    if (heapProfile) {
      const sampled = await post<{ profile: unknown }>('HeapProfiler.stopSampling');
      writeFileSync(join(profileDir, `${label}-${process.pid}.heapprofile`), JSON.stringify(sampled.profile));
    }
  }
  const list = [...statements.entries()]
    .map(([statement, s]) => ({ statement, count: s.count, totalMs: s.totalMs, meanMs: s.totalMs / s.count }))
    .sort((a, b) => b.totalMs - a.totalMs);
  return {
    pid: process.pid,
    windowMs,
    eventLoopUtilization: elu.utilization,
    gcMs,
    gcCount,
    queries: list.reduce((sum, s) => sum + s.count, 0),
    statements: list,
    poolConnects,
    poolWaitTotalMs: poolWaitMs,
    poolWaitMeanMs: poolConnects === 0 ? 0 : poolWaitMs / poolConnects,
    ...(cpuProfile === undefined ? {} : { cpuProfile }),
  };
}

process.on('message', (message: ProbeMessage) => {
  const send = (reply: ProbeReply) => process.send?.(reply);
  if (message.probe === 'start') {
    start().then(
      () => send({ probe: 'started' }),
      (error: unknown) => console.error('probe: could not start', error),
    );
  } else if (message.probe === 'stop') {
    stop().then(
      (report) => send({ probe: 'report', report }),
      (error: unknown) => console.error('probe: could not stop', error),
    );
  }
});
