import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import pg from 'pg';
import { mintToken } from '../../src/auth/dev-token';
import type { QueueName } from '../../src/queues/queue-definitions';
import { queuePrefix } from '../../src/queues/redis-connection';
import { queueConnection, type ChaosSystem } from './chaos-run';
import { unfinishedJobs } from './unfinished-jobs';
import { zeroFor } from './zero-for';

const BACKLOG = Number(process.env['CHAOS_SCALE_BACKLOG'] ?? 1_500);

/** The queues of the measured work: triage, the incident-response follow-up, the webhook messages. */
const WORK_QUEUES: readonly QueueName[] = ['triage', 'incident-response', 'webhooks'];
/** How long the work must stay done: the relay queues a committed event's jobs within milliseconds. */
const DONE_FOR_MS = 1_000;
const POLL_MS = 100;

/**
 * What is left of the work: filings not triaged and messages not delivered (the database), and the
 * jobs of WORK_QUEUES not finished (Redis). The follow-up's flags commit while the database shows
 * nothing left, so without the queues the first run's end was taken too early and its last flags
 * and their messages were counted in the second run.
 */
async function countBacklog(client: pg.Client, queues: readonly Queue[]): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT ((SELECT count(*) FROM aid_request_views WHERE status = 'submitted')
           + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'))::text AS n`,
  );
  return Number(rows[0]?.n) + (await unfinishedJobs(queues));
}

/**
 * The same work with one and with two worker processes: the workers are stopped, BACKLOG
 * incident filings are committed through the APIs, then the workers start and work it off
 * (triage, the incident-response follow-up, the fund-wide webhook messages). The rate is
 * BACKLOG / (the time from the first triage to the moment nothing is left), so that a worker's
 * start-up does not count.
 */
export async function measureScaleOut(system: ChaosSystem, log: (line: string) => void): Promise<{ per_s_1_worker: number; per_s_2_workers: number }> {
  const secret = system.appEnv()['JWT_SECRET']!;
  const token = await mintToken(new TextEncoder().encode(secret), { sub: 'scale-cert', role: 'partner', country: 'CR' });
  const client = new pg.Client({ connectionString: system.databaseUrl });
  await client.connect();
  const queues = WORK_QUEUES.map((name) => new Queue(name, { connection: queueConnection(system), prefix: queuePrefix(system.prefix) }));
  const rates: number[] = [];
  try {
    for (const workers of [1, 2]) {
      await Promise.all(system.workers.map((worker) => worker.stop()));
      const marker = randomBytes(3).toString('hex');
      let next = 0;
      const fileOne = async (): Promise<void> => {
        for (;;) {
          const n = next++;
          if (n >= BACKLOG) return;
          const api = system.apiUrls()[n % system.apiUrls().length]!;
          const response = await fetch(`${api}/v1/aid-requests`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              kind: 'incident_response',
              title: `Scale ${marker} ${n}`,
              description: 'A filing of the scale-out measurement, worked off by the workers.',
              actionArea: 'countering_threats',
              amountRequested: 1_000_000,
              incident: { severity: 'high', ongoing: false, detectedAt: new Date(Date.now() - 3_600_000).toISOString(), sectors: ['other'] },
            }),
          });
          await response.arrayBuffer();
          if (response.status !== 201) throw new Error(`scale-out filing answered ${response.status}`);
        }
      };
      await Promise.all(Array.from({ length: 16 }, fileOne));
      const started = new Date();
      for (const worker of system.workers.slice(0, workers)) worker.start();
      const deadline = Date.now() + 300_000;
      // Done: nothing left for DONE_FOR_MS; the work ended at the first of those looks.
      const done = await zeroFor(() => countBacklog(client, queues), { forMs: DONE_FOR_MS, pollMs: POLL_MS, deadline });
      if (done === undefined) throw new Error(`the backlog of ${BACKLOG} filings was not worked off within 300 s by ${workers} worker(s)`);
      const { rows } = await client.query<{ first: Date }>(
        `SELECT min(recorded_at) AS first FROM events WHERE event_type = 'AidRequestTriaged' AND recorded_at >= $1`,
        [started],
      );
      const first = rows[0]?.first?.getTime() ?? started.getTime();
      const rate = Math.round((BACKLOG / ((done - first) / 1000)) * 10) / 10;
      rates.push(rate);
      log(`scale-out: ${BACKLOG} filings worked off by ${workers} worker(s) in ${((done - first) / 1000).toFixed(1)} s: ${rate}/s`);
    }
    // Both workers running again, as the caller found them.
    for (const worker of system.workers) if (!worker.running) worker.start();
    await Promise.all(system.workers.map((worker) => worker.waitReady()));
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    await client.end();
  }
  return { per_s_1_worker: rates[0]!, per_s_2_workers: rates[1]! };
}
