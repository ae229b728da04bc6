import { eventually, testRedisUrl } from '@app/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../src/local-services/ports';
import { TEST_JWT_SECRET, TEST_PERSONAL_DATA_KEY } from './test-app';

/** Builds dist/ when the sources changed: the tests below run the service as it is deployed. */
export { buildIfNeeded } from './build';

export interface ServiceProcessOptions {
  /** The database to use; omit it (with `env.NODE_ENV` outside production) for the embedded one. */
  readonly databaseUrl?: string;
  readonly queuePrefix: string;
  /** Variables on top of the test defaults (NODE_ENV=test, the test Redis and JWT secret, a free port). */
  readonly env?: Record<string, string>;
  /** Ready means `/health/ready` answers 200; listening, that the start-up line was printed. */
  readonly waitFor?: 'listening' | 'ready';
}

/** The built service (`node dist/src/main.js`) as a child process, with everything it printed. */
export class ServiceProcess {
  private printed = '';

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly startedAt: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.printed += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.printed += chunk.toString()));
  }

  /** Everything the process printed so far, stdout and stderr. */
  get output(): string {
    return this.printed;
  }

  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const port = await freePort();
    const env: Record<string, string | undefined> = {
      ...process.env,
      NODE_ENV: 'test',
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: options.queuePrefix,
      JWT_SECRET: TEST_JWT_SECRET,
      // The key of the in-process test apps, so that a service sharing their database reads their contacts.
      PERSONAL_DATA_KEY: TEST_PERSONAL_DATA_KEY,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      ...options.env,
    };
    if (options.databaseUrl === undefined) delete env['DATABASE_URL'];
    else env['DATABASE_URL'] = options.databaseUrl;
    const child = spawn(process.execPath, ['dist/src/main.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const service = new ServiceProcess(child, `http://127.0.0.1:${port}`, Date.now());
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`the service exited: ${service.output}`);
        if (options.waitFor === 'ready') return (await fetch(`${service.url}/health/ready`).then((r) => r.ok, () => false)) || undefined;
        return /listening on/.test(service.output) || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    return service;
  }

  /** Sends the signal (SIGTERM by default) and waits for the exit; a process already gone is left alone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit') as Promise<[number | null]>;
    this.child.kill(signal);
    const [code] = await exited;
    return code;
  }
}
