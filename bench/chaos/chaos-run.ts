import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, type ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import pg from 'pg';
import { mintToken } from '../../src/auth/dev-token';
import { QUEUE_NAMES } from '../../src/queues/queue-definitions';
import { queuePrefix } from '../../src/queues/redis-connection';
import { freePort } from '../../src/local-services/ports';
import { leaderOf, newAppProcess, type AppProcess } from './app-processes';
import { ApiClient, ClientRecord } from './client';
import { backlog, checkInvariants, type Backlog, type InvariantReport } from './invariants';
import { runLoad, LoadRecord, type Tokens } from './load';
import { createRedisCluster, OwnPostgres, OwnRedis, ownDirectory, ownsSlotOf, type PgBinaries } from './own-processes';
import { Receivers, type Receiver } from '../support/webhook-receivers';
import { unfinishedJobs } from './unfinished-jobs';
import { zeroFor } from './zero-for';

export type FaultKind = 'worker_kill' | 'api_kill' | 'redis_restart' | 'postgres_restart' | 'webhook_500';
export const FAULT_KINDS: readonly FaultKind[] = ['worker_kill', 'api_kill', 'redis_restart', 'postgres_restart', 'webhook_500'];

export interface ChaosOptions {
  readonly workDir: string;
  readonly mainJs: string;
  readonly pgBinaries: PgBinaries;
  readonly durationS: number;
  /** How many times each fault kind is injected. */
  readonly faultRounds: number;
  readonly kinds?: readonly FaultKind[];
  readonly workers: number;
  readonly apis: number;
  readonly filers: number;
  readonly thinkMs: number;
  /** A three-node Redis Cluster instead of one redis-server. */
  readonly redisCluster?: boolean;
  readonly quietTimeoutS: number;
  readonly label: string;
  readonly log: (line: string) => void;
  /** Runs between initdb and the first start of the cluster (the restore drill ages it). */
  readonly beforeFirstStart?: (postgres: OwnPostgres) => void;
}

export interface FaultRecord {
  readonly kind: FaultKind;
  readonly at_s: number;
  recovery_s: number | null;
  detail?: string;
}

export interface ChaosResult extends InvariantReport {
  readonly filed: number;
  readonly faults: FaultRecord[];
  readonly client_5xx: number;
  readonly client_500: number;
  readonly client_5xx_outside_pg_down: number;
  readonly per_s: number;
  readonly quiet_s: number;
  readonly actions: Record<string, number>;
  /** API or worker processes that exited without being told to (each restarted, as a supervisor would). */
  readonly process_crashes: number;
}

const JWT_SECRET = randomBytes(32).toString('hex');
const COUNTRIES = ['CR', 'PA', 'DO', 'GT'];
const WEBHOOK_RETRY_SCHEDULE = 'PT1S,PT1S,PT1S,PT1S,PT2S,PT2S,PT3S,PT5S,PT10S,PT30S,PT60S';

export function fiscalYearOf(date: Date): number {
  return date.getUTCMonth() + 1 >= 10 ? date.getUTCFullYear() + 1 : date.getUTCFullYear();
}

/** The whole system of one run: PostgreSQL, Redis, the API and worker processes, the receivers. */
export class ChaosSystem {
  /** Replaced by the restore drill with the cluster it restored into. */
  postgres: OwnPostgres;
  readonly redisNodes: OwnRedis[] = [];
  readonly apis: AppProcess[] = [];
  readonly workers: AppProcess[] = [];
  readonly receivers = new Receivers();
  readonly prefix: string;
  pgDown = false;
  private readonly env: Record<string, string>;

  private constructor(
    readonly options: ChaosOptions,
    pgPort: number,
  ) {
    this.postgres = new OwnPostgres(options.pgBinaries, join(options.workDir, `${options.label}-pg`), pgPort, `${options.label}-postgres`);
    this.prefix = `chaos-${options.label}-${randomBytes(3).toString('hex')}`;
    const { privateKey } = generateKeyPairSync('ed25519');
    this.env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/tmp',
      NODE_ENV: 'development',
      DATABASE_URL: this.postgres.databaseUrl('cdt_fund'),
      QUEUE_PREFIX: this.prefix,
      JWT_SECRET,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DATA_DIR: ownDirectory(join(options.workDir, `${options.label}-data`)),
      AUDIT_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
      PERSONAL_DATA_KEY: randomBytes(32).toString('base64'),
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE,
      WEBHOOK_TIMEOUT_MS: '5000',
      RECONCILE_AFTER_MS: '4000',
      RELAY_STANDBY_RETRY_MS: '250',
      SHUTDOWN_GRACE_MS: '5000',
      CHECKPOINT_INTERVAL_MS: '1000',
      SLA_SWEEP_INTERVAL_MS: '10000',
    };
  }

  static async create(options: ChaosOptions): Promise<ChaosSystem> {
    return new ChaosSystem(options, await freePort());
  }

  get databaseUrl(): string {
    return this.postgres.databaseUrl('cdt_fund');
  }

  /** In a cluster, the node that does not hold the queues' slot: REDIS_URL names it, so that a client that ignored REDIS_CLUSTER_NODES would fail (MOVED). */
  private redisUrlNode: OwnRedis | undefined;

  appEnv(): Record<string, string> {
    const nodes = this.redisNodes.map((node) => `127.0.0.1:${node.port}`);
    return {
      ...this.env,
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: (this.redisUrlNode ?? this.redisNodes[0]!).url,
      ...(this.options.redisCluster === true ? { REDIS_CLUSTER_NODES: nodes.join(',') } : {}),
    };
  }

  apiUrls(): string[] {
    const up = this.apis.filter((api) => api.running);
    return (up.length > 0 ? up : this.apis).map((api) => api.url);
  }

  async start(): Promise<void> {
    const { log } = this.options;
    this.postgres.initialise();
    this.options.beforeFirstStart?.(this.postgres);
    await this.postgres.start();
    log(`${this.options.label}: PostgreSQL of its own on port ${this.postgres.port}`);
    const nodeCount = this.options.redisCluster === true ? 3 : 1;
    for (let i = 0; i < nodeCount; i++) {
      this.redisNodes.push(new OwnRedis(join(this.options.workDir, `${this.options.label}-redis-${i}`), await freePort(), `${this.options.label}-redis-${i}`, this.options.redisCluster === true));
    }
    await Promise.all(this.redisNodes.map((node) => node.start()));
    if (this.options.redisCluster === true) {
      await createRedisCluster(this.redisNodes);
      this.redisUrlNode = this.redisNodes.find((node) => !ownsSlotOf(node, queuePrefix(this.prefix)));
    }
    log(`${this.options.label}: ${this.options.redisCluster === true ? 'a three-node Redis Cluster' : 'redis-server'} of its own on ${this.redisNodes.map((node) => node.port).join(', ')}`);
    const env = (): Record<string, string> => this.appEnv();
    // The first process creates and migrates the database; the others start once it is done.
    const first = await newAppProcess(`${this.options.label}-api-1`, 'api', this.options.mainJs, env);
    this.apis.push(first);
    first.start();
    await first.waitReady();
    for (let i = 2; i <= this.options.apis; i++) this.apis.push(await newAppProcess(`${this.options.label}-api-${i}`, 'api', this.options.mainJs, env));
    for (let i = 1; i <= this.options.workers; i++) this.workers.push(await newAppProcess(`${this.options.label}-worker-${i}`, 'worker', this.options.mainJs, env));
    for (const process of [...this.apis.slice(1), ...this.workers]) process.start();
    await Promise.all([...this.apis.slice(1), ...this.workers].map((process) => process.waitReady()));
    log(`${this.options.label}: ${this.apis.length} API and ${this.workers.length} worker processes ready`);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apis, ...this.workers].map((process) => process.stop()));
    await this.receivers.close();
    for (const node of this.redisNodes) await node.stop();
    await this.postgres.stop();
  }
}

export async function tokensFor(): Promise<Tokens> {
  const secret = new TextEncoder().encode(JWT_SECRET);
  const partners = new Map<string, string>();
  for (const country of COUNTRIES) partners.set(country, await mintToken(secret, { sub: `${country.toLowerCase()}-cert`, role: 'partner', country }));
  return {
    admin: await mintToken(secret, { sub: 'chaos-admin', role: 'admin' }),
    officers: [
      { sub: 'officer-1', token: await mintToken(secret, { sub: 'officer-1', role: 'officer' }) },
      { sub: 'officer-2', token: await mintToken(secret, { sub: 'officer-2', role: 'officer' }) },
    ],
    partners,
  };
}

export async function auditorToken(): Promise<string> {
  return mintToken(new TextEncoder().encode(JWT_SECRET), { sub: 'chaos-auditor', role: 'auditor' });
}

async function expectCreated(client: ApiClient, token: string, path: string, body: unknown, what: string): Promise<unknown> {
  const answer = await client.send(token, 'POST', path, body, 30_000);
  if (answer.status !== 201) throw new Error(`${what}: ${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  return answer.body;
}

/** Funds, partner assessments (when the route exists), fund-wide webhooks. */
export async function setUp(system: ChaosSystem, client: ApiClient, tokens: Tokens, fiscalYear: number, budget: number): Promise<void> {
  for (const window of ['rapid_response', 'capacity_building']) {
    await expectCreated(client, tokens.admin, `/v1/funds/${fiscalYear}/allocations`, { window, amount: budget, note: `Chaos budget for ${window}` }, 'allocation');
  }
  const validUntil = new Date(Date.now() + 30 * 86_400_000).toISOString();
  for (const country of COUNTRIES) {
    const answer = await client.send(tokens.officers[0]!.token, 'POST', `/v1/partners/${country}/assessments`, { riskLevel: 'low', validUntil, summary: 'Chaos run: low risk.' }, 30_000);
    if (answer.status === 404) {
      system.options.log('partner assessments: the route is not there (404): going on without');
      break;
    }
    if (answer.status !== 201) throw new Error(`assessing ${country} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  }
  for (const name of ['fund-a', 'fund-b']) {
    const receiver = await system.receivers.add(name);
    await expectCreated(client, tokens.admin, '/v1/webhooks', { url: receiver.url, scope: 'fund', description: `chaos ${name}` }, 'webhook');
    system.receivers.fundEndpoints.push(receiver);
  }
}

/** Partner endpoints registered while the load runs. */
async function registerPartnerWebhooks(system: ChaosSystem, client: ApiClient, tokens: Tokens): Promise<void> {
  for (const [country, token] of tokens.partners) {
    const receiver = await system.receivers.add(`partner-${country}`);
    const answer = await client.send(token, 'POST', '/v1/webhooks', { url: receiver.url, description: `chaos ${country}` }, 60_000);
    if (answer.status !== 201) system.options.log(`registering ${country}'s webhook answered ${answer.status}: ${answer.text.slice(0, 200)}`);
  }
}

class BacklogProbe {
  private client: pg.Client | undefined;
  readonly samples: { at: number; value: number }[] = [];
  last: Backlog | undefined;

  constructor(private readonly databaseUrl: string) {}

  private queue: Promise<unknown> = Promise.resolve();

  /** One query at a time on the one connection, whoever asks. */
  read(): Promise<number | undefined> {
    const next = this.queue.then(() => this.readNow());
    this.queue = next;
    return next;
  }

  private async readNow(): Promise<number | undefined> {
    try {
      if (this.client === undefined) {
        const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 1_000, statement_timeout: 5_000 });
        client.on('error', () => undefined);
        await client.connect();
        this.client = client;
      }
      const parts = await backlog(this.client);
      this.last = parts;
      this.samples.push({ at: Date.now(), value: parts.total });
      return parts.total;
    } catch {
      const client = this.client;
      this.client = undefined;
      await client?.end().catch(() => undefined);
      return undefined;
    }
  }

  /**
   * The level before a fault: the highest sample of the five seconds before it. Under steady load
   * the backlog swings by hundreds within seconds (each step of a grant fans out into webhook
   * messages), so the level is the top of that swing, not one sample of it.
   */
  levelBefore(at: number): number {
    const recent = this.samples.filter((sample) => sample.at <= at && sample.at > at - 5_000).map((sample) => sample.value);
    return recent.length === 0 ? 0 : Math.max(...recent);
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
  }
}

/** Time from `at` until the backlog is back at (or below) its level before the fault, within a small tolerance. */
async function measureRecovery(probe: BacklogProbe, fault: FaultRecord, at: number, level: number, until: number): Promise<void> {
  const tolerance = Math.max(5, Math.ceil(level * 0.1));
  // A fault is not recovered before its effect had a chance to show: wait a moment first.
  await sleep(1_000);
  while (Date.now() < until) {
    const value = await probe.read();
    if (value !== undefined && value <= level + tolerance) {
      fault.recovery_s = Math.round((Date.now() - at) / 100) / 10;
      return;
    }
    await sleep(250);
  }
}

async function injectFault(system: ChaosSystem, kind: FaultKind, fundA: Receiver | undefined): Promise<string> {
  switch (kind) {
    case 'worker_kill': {
      const leader = await leaderOf(system.databaseUrl, system.workers);
      const victim = leader?.worker ?? system.workers.find((worker) => worker.running)!;
      await victim.kill();
      await sleep(1_500);
      victim.start();
      void victim.waitReady(120_000).catch((error: unknown) => system.options.log(`restarting ${victim.name}: ${String(error)}`));
      return `SIGKILL ${victim.name} (held ${leader?.holds.join(', ') ?? 'nothing'})`;
    }
    case 'api_kill': {
      const victim = system.apis.find((api) => api.running)!;
      await victim.kill();
      await sleep(1_500);
      victim.start();
      void victim.waitReady(120_000).catch((error: unknown) => system.options.log(`restarting ${victim.name}: ${String(error)}`));
      return `SIGKILL ${victim.name}`;
    }
    case 'redis_restart': {
      const node = system.redisNodes[0]!;
      await node.kill();
      await sleep(1_500);
      await node.start();
      return `SIGKILL redis-server on ${node.port}, restarted empty`;
    }
    case 'postgres_restart': {
      system.pgDown = true;
      try {
        await system.postgres.stop();
        await sleep(1_000);
        await system.postgres.start();
      } finally {
        system.pgDown = false;
      }
      return 'PostgreSQL fast shutdown and start';
    }
    case 'webhook_500': {
      if (fundA === undefined) return 'no receiver';
      fundA.failing = true;
      await sleep(5_000);
      fundA.failing = false;
      return `receiver ${fundA.name} answered 500 for 5 s (${fundA.answered500} so far)`;
    }
  }
}

/** One chaos run: start everything, load with faults, wait for quiet, check. The system is left running for the caller. */
export async function runChaos(system: ChaosSystem): Promise<ChaosResult> {
  const { options } = system;
  const { log } = options;
  const tokens = await tokensFor();
  const clientRecord = new ClientRecord();
  const client = new ApiClient({ apis: () => system.apiUrls(), record: clientRecord, pgDown: () => system.pgDown });
  const fiscalYear = fiscalYearOf(new Date());
  // A budget the load can exhaust in a long run: approvals then meet "not enough money" (409) and
  // the over-commitment invariant is tested where it bites.
  const budget = Math.max(2_000_000_000, options.durationS * 40_000_000);
  await setUp(system, client, tokens, fiscalYear, budget);
  const load = new LoadRecord();
  const probe = new BacklogProbe(system.databaseUrl);
  const kinds = options.kinds ?? FAULT_KINDS;
  const schedule: FaultKind[] = [];
  for (let round = 0; round < options.faultRounds; round++) schedule.push(...kinds);
  const startedAt = Date.now();
  const loadEndsAt = startedAt + options.durationS * 1_000;
  const firstFaultS = Math.min(10, options.durationS / 6);
  const lastFaultS = options.durationS - Math.min(15, options.durationS / 5);
  const gapS = schedule.length > 1 ? (lastFaultS - firstFaultS) / (schedule.length - 1) : 0;
  const faults: FaultRecord[] = [];
  const recoveries: Promise<void>[] = [];
  log(`${options.label}: load for ${options.durationS} s with ${options.filers} filers, ${tokens.officers.length} officers, ${COUNTRIES.length} partner desks; faults: ${schedule.join(', ')}`);

  let running = true;
  const loadDone = runLoad({
    runId: system.prefix,
    client,
    tokens,
    record: load,
    fourEyesThreshold: 25_000_000,
    filers: options.filers,
    thinkMs: options.thinkMs,
    until: () => Date.now() >= loadEndsAt,
  });
  const sampler = (async () => {
    let lastPrint = 0;
    while (running) {
      const value = await probe.read();
      if (Date.now() - lastPrint >= 5_000) {
        lastPrint = Date.now();
        const t = Math.round((Date.now() - startedAt) / 1000);
        const up = `${system.apis.filter((api) => api.running).length}/${system.apis.length} api, ${system.workers.filter((worker) => worker.running).length}/${system.workers.length} worker`;
        log(
          `${options.label} t=${t}s filed=${load.filed} backlog=${value ?? 'n/a'}${value === undefined || probe.last === undefined ? '' : ` (triage ${probe.last.triage}, disbursements ${probe.last.disbursements}, webhooks ${probe.last.webhooks}, unsealed ${probe.last.unsealed})`} 5xx=${clientRecord.fiveXx.length} no-answer=${clientRecord.noAnswer} retries=${clientRecord.retries} ${up}${system.pgDown ? ' PG DOWN' : ''}`,
        );
      }
      await sleep(500);
    }
  })();
  const faultLoop = (async () => {
    const fundA = system.receivers.fundEndpoints[0];
    let partnerHooks = false;
    for (let i = 0; i < schedule.length; i++) {
      const kind = schedule[i]!;
      const due = startedAt + (firstFaultS + gapS * i) * 1_000;
      while (Date.now() < due) {
        if (!partnerHooks && Date.now() - startedAt > options.durationS * 250) {
          partnerHooks = true;
          await registerPartnerWebhooks(system, client, tokens);
          log(`${options.label}: partner webhooks registered for ${COUNTRIES.join(', ')}`);
        }
        await sleep(100);
      }
      const at = Date.now();
      const level = probe.levelBefore(at);
      const fault: FaultRecord = { kind, at_s: Math.round((at - startedAt) / 100) / 10, recovery_s: null };
      faults.push(fault);
      log(`${options.label} t=${fault.at_s}s FAULT ${kind} (backlog before: ${level})`);
      fault.detail = await injectFault(system, kind, fundA);
      log(`${options.label}   ${fault.detail}`);
      recoveries.push(measureRecovery(probe, fault, at, level, loadEndsAt + options.quietTimeoutS * 1_000));
    }
    if (!partnerHooks) await registerPartnerWebhooks(system, client, tokens);
  })();
  await Promise.all([loadDone, faultLoop]);
  const loadSeconds = (Date.now() - startedAt) / 1000;
  log(`${options.label}: load stopped after ${loadSeconds.toFixed(0)} s (${load.filed} filed); waiting for quiet`);

  // Quiet: every process back, and nothing left for two seconds in a row: neither the database's
  // backlog nor an unfinished job (a follow-up commits its events while the database shows none).
  const quietStart = Date.now();
  await Promise.all([...system.apis, ...system.workers].map((process) => process.waitReady(120_000).catch(() => undefined)));
  const queues = QUEUE_NAMES.map((name) => new Queue(name, { connection: queueConnection(system), prefix: queuePrefix(system.prefix) }));
  let jobsLeft: number | undefined;
  try {
    const workLeft = async (): Promise<number | undefined> => {
      const [database, jobs] = await Promise.all([probe.read(), unfinishedJobs(queues).catch(() => undefined)]);
      jobsLeft = jobs;
      return database === undefined || jobs === undefined ? undefined : database + jobs;
    };
    await zeroFor(workLeft, { forMs: 2_000, pollMs: 250, deadline: quietStart + options.quietTimeoutS * 1_000 });
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
  }
  const quietS = (Date.now() - quietStart) / 1000;
  log(`${options.label}: quiet after ${quietS.toFixed(1)} s (backlog ${String(probe.samples.at(-1)?.value)}, unfinished jobs ${String(jobsLeft)})`);
  await Promise.all(recoveries);
  running = false;
  await sampler;
  await probe.close();

  const report = await checkSystemInvariants(system, load, tokens, fiscalYear);
  const fiveXx = clientRecord.fiveXx;
  const crashes = [...system.apis, ...system.workers].flatMap((process) => process.unexpectedExits);
  return {
    filed: load.filed,
    ...report,
    faults,
    client_5xx: fiveXx.length,
    client_500: fiveXx.filter((entry) => entry.status === 500).length,
    client_5xx_outside_pg_down: fiveXx.filter((entry) => !entry.pgDown).length,
    per_s: Math.round((load.filed / loadSeconds) * 10) / 10,
    quiet_s: Math.round(quietS * 10) / 10,
    actions: Object.fromEntries(load.actions),
    process_crashes: crashes.length,
    details: { ...report.details, fiveXx: fiveXx.slice(0, 15), crashes: crashes.map((crash) => crash.slice(0, 3_000)) },
  };
}

/** The invariants of everything `system` holds after `load` (the main run and the restore drill alike). */
export async function checkSystemInvariants(system: ChaosSystem, load: LoadRecord, tokens: Tokens, fiscalYear: number): Promise<InvariantReport> {
  return checkInvariants({
    databaseUrl: system.databaseUrl,
    queueConnection: () => queueConnection(system),
    queuePrefix: queuePrefix(system.prefix),
    load,
    receivers: system.receivers,
    apiUrl: system.apiUrls()[0]!,
    auditorToken: await auditorToken(),
    officerToken: tokens.officers[0]!.token,
    fiscalYear,
  });
}

/** BullMQ's connection for the harness's own checks: a standalone Redis, or the cluster. */
export function queueConnection(system: ChaosSystem): ConnectionOptions {
  if (system.options.redisCluster === true) {
    return new Cluster(system.redisNodes.map((node) => ({ host: '127.0.0.1', port: node.port })), { redisOptions: { maxRetriesPerRequest: null } });
  }
  return { host: '127.0.0.1', port: system.redisNodes[0]!.port, maxRetriesPerRequest: null };
}
