import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../../src/local-services/ports';
import { localPortsOf, spawnOwned, type Owned } from './own-processes';

/** One API or worker process of the service (`node dist/src/main.js` with APP_ROLE). */
export class AppProcess {
  private process: Owned | undefined;
  private stopping = false;
  startedAt = 0;
  /** Exits nobody asked for: each with the last lines the process printed. */
  readonly unexpectedExits: string[] = [];

  constructor(
    readonly name: string,
    readonly role: 'api' | 'worker',
    readonly port: number,
    private readonly mainJs: string,
    private readonly env: () => Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process !== undefined && !this.process.exited() ? this.process.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  start(): void {
    this.process = spawnOwned({
      name: this.name,
      command: process.execPath,
      args: [this.mainJs],
      env: { ...this.env(), APP_ROLE: this.role, PORT: String(this.port), HOST: '127.0.0.1' },
      echo: /"level":(50|60)|\bERROR\b|FATAL|Error:/,
    });
    this.startedAt = Date.now();
    this.stopping = false;
    const started = this.process;
    started.child.once('exit', (code, signal) => {
      if (this.stopping) return;
      const what = `${this.name} exited by itself (${signal ?? `code ${String(code)}`}):\n${started.recent().split('\n').slice(-60).join('\n')}`;
      this.unexpectedExits.push(what);
      process.stderr.write(`${what}\n`);
      // As a supervisor would: start it again after a moment (the crash is still counted).
      setTimeout(() => {
        if (!this.stopping && !this.running) this.start();
      }, 2_000).unref();
    });
  }

  /** Waits until `/health/ready` answers 200 (or `live` for an API while PostgreSQL is away). */
  async waitReady(timeoutMs = 90_000, path = '/health/ready'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.process === undefined || this.process.exited()) throw new Error(`${this.name} exited while starting:\n${this.process?.recent() ?? ''}`);
      try {
        const response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within ${timeoutMs / 1000} s:\n${this.process.recent()}`);
      await sleep(150);
    }
  }

  async kill(): Promise<void> {
    this.stopping = true;
    await this.process?.stop('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.process?.stop('SIGTERM', 20_000);
  }

  recent(): string {
    return this.process?.recent() ?? '';
  }
}

export async function newAppProcess(name: string, role: 'api' | 'worker', mainJs: string, env: () => Record<string, string>): Promise<AppProcess> {
  return new AppProcess(name, role, await freePort(), mainJs, env);
}

/**
 * Which of `workers` holds the relay's (or else the sealer's) leadership: the advisory lock is
 * held by a dedicated connection named `cdt-fund-relay`; its client port is matched to the
 * sockets of each worker process.
 */
export async function leaderOf(databaseUrl: string, workers: readonly AppProcess[]): Promise<{ worker: AppProcess; holds: string[] } | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ application_name: string; client_port: number }>(
      `SELECT a.application_name, a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.application_name IN ('cdt-fund-relay', 'cdt-fund-sealer', 'cdt-fund-notifications')`,
    );
    const holders = new Map<AppProcess, string[]>();
    for (const worker of workers) {
      if (worker.pid === undefined) continue;
      const ports = localPortsOf(worker.pid);
      for (const row of rows) if (ports.has(row.client_port)) holders.set(worker, [...(holders.get(worker) ?? []), row.application_name.replace('cdt-fund-', '')]);
    }
    const relay = [...holders].find(([, holds]) => holds.includes('relay')) ?? [...holders][0];
    return relay === undefined ? undefined : { worker: relay[0], holds: relay[1] };
  } finally {
    await client.end();
  }
}
