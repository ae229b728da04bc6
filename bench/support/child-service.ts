import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** A Node process started by a benchmark: its output goes to our stderr, prefixed with its name. */
export interface ChildService {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Set once the process has exited (for whatever reason). */
  exitCode(): number | NodeJS.Signals | undefined;
  /** The last lines the process printed, for error messages. */
  recentOutput(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnNodeOptions {
  readonly name: string;
  /** The script to run (a compiled .js file). */
  readonly entry: string;
  /** The complete environment of the child: nothing is inherited implicitly. */
  readonly env: Readonly<Record<string, string>>;
  readonly nodeArgs?: readonly string[];
  /** Opens an IPC channel (used by the probe in profiling mode). */
  readonly ipc?: boolean;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Children must not outlive the benchmark, even when it crashes. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

export function spawnNode(options: SpawnNodeOptions): ChildService {
  installExitHook();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry], {
    env: options.env,
    stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.entry}`);
  running.add(child);
  const recent: string[] = [];
  let exit: number | NodeJS.Signals | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ?? code ?? 0;
      running.delete(child);
      resolve();
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 40) recent.shift();
      process.stderr.write(`  [${options.name}] ${line}\n`);
    });
  }
  return {
    name: options.name,
    pid: child.pid,
    process: child,
    exitCode: () => exit,
    recentOutput: () => recent.join('\n'),
    async stop(graceMs = 10_000) {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `url` until it answers 200; fails early if the child dies. */
export async function waitForHttpOk(url: string, child: ChildService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    const exit = child.exitCode();
    if (exit !== undefined) {
      throw new Error(`${child.name} exited (${String(exit)}) before ${url} answered 200:\n${child.recentOutput()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) {
        await response.arrayBuffer();
        return;
      }
      lastProblem = `status ${response.status}: ${await response.text()}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${child.name}: ${url} did not answer 200 within ${timeoutMs} ms (${lastProblem}):\n${child.recentOutput()}`);
}

export { freePort } from '../../src/local-services/ports';

/** The variables a child needs from our environment to run at all; everything else is explicit. */
export function baseChildEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** What differs between the app processes (api or worker role) the benches start. */
export interface AppChildConfig {
  readonly role: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly queuePrefix: string;
  readonly jwtSecret: string;
  readonly redisUrl?: string;
  readonly dataDir?: string;
  /** Set last: BENCH_APP_ENV_* and the bench's own additions. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The environment of an app process started by a bench: development mode, on loopback, quiet logs. */
export function appChildEnv(config: AppChildConfig): Record<string, string> {
  return {
    ...baseChildEnv(),
    NODE_ENV: 'development',
    APP_ROLE: config.role,
    PORT: String(config.port),
    HOST: '127.0.0.1',
    DATABASE_URL: config.databaseUrl,
    // Split roles need both URLs (only the single development process starts its own servers).
    REDIS_URL: config.redisUrl ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: config.queuePrefix,
    JWT_SECRET: config.jwtSecret,
    LOG_LEVEL: 'warn',
    // Load generators send far more than a client may: the limit is still counted, never reached.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...(config.dataDir === undefined ? {} : { DATA_DIR: config.dataDir }),
    ...config.extra,
  };
}

export type AppRole = 'api' | 'worker';

export interface SpawnAppOptions {
  /** The `dist` folder of the snapshot the app runs from (support/dist-snapshot.ts). */
  readonly dist: string;
  readonly role: AppRole;
  /** Its prefix on our stderr; the role by default. */
  readonly name?: string;
  readonly env: Readonly<Record<string, string>>;
  /** Profiling mode: support/probe-preload.js loaded first, with an IPC channel; its files go to `dir`. */
  readonly probe?: { readonly dir: string };
}

/** What support/probe-preload.js reads: where its files go, their label, and whether to sample the heap too. */
export function probeEnv(dir: string, label: string): Record<string, string> {
  return { BENCH_PROFILE_DIR: dir, BENCH_PROFILE_LABEL: label, ...(process.env['BENCH_PROFILE_HEAP'] === '1' ? { BENCH_PROFILE_HEAP: '1' } : {}) };
}

/** Starts one process of the app as deployed: `dist/src/main.js` (the api role) or `dist/src/worker.js`. */
export function spawnApp(options: SpawnAppOptions): ChildService {
  const { dist, role, probe } = options;
  return spawnNode({
    name: options.name ?? role,
    entry: join(dist, 'src', role === 'api' ? 'main.js' : 'worker.js'),
    env: probe === undefined ? options.env : { ...options.env, ...probeEnv(probe.dir, role) },
    ...(probe === undefined ? {} : { nodeArgs: ['-r', join(dist, 'bench', 'support', 'probe-preload.js')], ipc: true }),
  });
}
