import { createTestDatabase, testRedisUrl, type TestDatabase } from '@app/testing';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { deleteQueueKeys, TEST_JWT_SECRET } from '../support/test-app';
import { buildIfNeeded, ServiceProcess } from '../support/service-process';

const REDIS_URL = testRedisUrl();

const STEPS = [
  'Allocations',
  'Filings',
  'Triage',
  'Information loop',
  'Due diligence',
  'Four-eyes approval',
  'Rejection',
  'Withdrawal',
  'Tranches',
  'Final report',
  'Webhook',
  'Document upload',
  'Audit export',
];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/src/cli/demo.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(buildIfNeeded);

describe('npm run demo -- --url', () => {
  let db: TestDatabase;
  let service: ServiceProcess | undefined;
  const prefix = `test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    service = await ServiceProcess.start({
      databaseUrl: db.url,
      queuePrefix: prefix,
      env: { APP_ROLE: 'all', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', CHECKPOINT_INTERVAL_MS: '1000' },
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await deleteQueueKeys(REDIS_URL, prefix);
    await db.drop();
  }, 30_000);

  it('tells the whole story, prints every step and exits 0', async () => {
    const run = await runDemo(['--url', service!.url], { ...process.env, JWT_SECRET: TEST_JWT_SECRET });
    if (run.code !== 0) process.stderr.write(`${run.stdout}\n${run.stderr}\n`);
    expect(run.code).toBe(0);
    STEPS.forEach((name, index) => expect(run.stdout).toContain(`[${index + 1}/${STEPS.length}] ${name}\n`));
    expect(run.stdout).toContain('must allow-list (WEBHOOK_ALLOWED_HOSTS=127.0.0.1:');
    expect(run.stdout).toMatch(/received msg_\S+: webhook\.test, signature valid/);
    expect(run.stdout).toMatch(/received msg_\S+: aid_request\.tranche_disbursed about \S+, signature valid/);
    expect(run.stdout).toMatch(/verified offline with the key from \/v1\/audit\/public-keys: \d+ events, [1-9]\d* signed checkpoint\(s\), ok/);
    expect(run.stdout).toMatch(/OK: all 13 steps did what they should .* in \d+\.\d s\./);
  }, 90_000);

  it('exits non-zero and says which step failed when the service refuses its tokens', async () => {
    const run = await runDemo(['--url', service!.url], { ...process.env, JWT_SECRET: 'a-different-secret-that-is-at-least-32-bytes' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('[1/13] Allocations');
    expect(run.stdout).toMatch(/FAILED: step 1 \(Allocations\) failed: POST \/v1\/funds\/\d{4}\/allocations as admin answered 401, expected 201/);
    expect(run.stdout).not.toContain('[2/13]');
  }, 30_000);
});
