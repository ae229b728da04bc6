import { spawn } from 'node:child_process';
import { buildIfNeeded } from '../support/service-process';

/**
 * The short chaos run (`npm run chaos -- --short`): its own PostgreSQL, Redis, two API and two
 * worker processes under load for about a minute while each fault is injected once (the leader
 * worker and an API process killed, Redis restarted empty, PostgreSQL restarted, a webhook receiver
 * answering 500), then every invariant checked. A regression in failure handling fails here.
 */
interface ChaosSummary {
  bench: string;
  filed: number;
  lost: number;
  duplicated: number;
  overcommitted: number;
  double_disbursed: number;
  stuck: number;
  unsealed: number;
  webhooks_lost: number;
  audit_ok: boolean;
  faults: { kind: string; at_s: number; recovery_s: number | null }[];
  client_5xx: number;
  client_500: number;
  client_5xx_outside_pg_down: number;
  process_crashes: number;
}

function runShortChaos(): Promise<{ code: number | null; summary: ChaosSummary | undefined; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/bench/chaos.js', '--short', '--duration', String(process.env['CHAOS_TEST_DURATION_S'] ?? 50)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-200_000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1);
      let summary: ChaosSummary | undefined;
      try {
        summary = last === undefined ? undefined : (JSON.parse(last) as ChaosSummary);
      } catch {
        summary = undefined;
      }
      resolve({ code, summary, stderr });
    });
  });
}

describe('the short chaos run', () => {
  beforeAll(() => buildIfNeeded());

  it('keeps every invariant through each kind of fault', async () => {
    const { code, summary, stderr } = await runShortChaos();
    const progress = stderr
      .split('\n')
      .filter((line) => !line.startsWith('  ['))
      .slice(-80)
      .join('\n');
    if (summary === undefined || code !== 0) throw new Error(`the chaos run ended with ${String(code)}:\n${progress}`);
    expect(summary).toMatchObject({
      bench: 'chaos',
      lost: 0,
      duplicated: 0,
      overcommitted: 0,
      double_disbursed: 0,
      stuck: 0,
      unsealed: 0,
      webhooks_lost: 0,
      audit_ok: true,
      client_500: 0,
      client_5xx_outside_pg_down: 0,
      process_crashes: 0,
    });
    expect(summary.filed).toBeGreaterThan(100);
    expect(summary.faults.map((fault) => fault.kind).sort()).toEqual(['api_kill', 'postgres_restart', 'redis_restart', 'webhook_500', 'worker_kill']);
  }, 170_000);
});
