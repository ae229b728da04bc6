import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import type { Role } from '../auth/actor';
import { mintToken } from '../auth/dev-token';
import { loadConfig } from '../config/env.schema';
import { auditVerifyCommand } from './audit-verify-command';
import { freePort } from '../local-services/ports';

/**
 * `npm run demo [-- --url <base URL>] [--webhook-port <port>]` tells the fund's story end to end
 * against a running service and checks every step: allocations, filings from three countries,
 * triage of both tracks, an information loop, a partner's due diligence, a four-eyes approval, a rejection, a withdrawal,
 * tranches released and disbursed, a final report closing a grant, a webhook receiving signed
 * messages, a document upload and an audit export verified offline.
 *
 * Without `--url` it starts the zero-set-up service itself (embedded PostgreSQL in a fresh temporary
 * folder) and stops it at the end. With `--url` it mints its tokens with `JWT_SECRET`, and the
 * service must allow the local webhook receiver (`WEBHOOK_ALLOWED_HOSTS=127.0.0.1:<port>`).
 * Exit status: 0 when every step did what it should, 1 at the first step that did not, 2 bad usage.
 */

const USAGE = 'usage: npm run demo [-- --url <base URL>] [--webhook-port <port>]';
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
] as const;
type StepName = (typeof STEPS)[number];

class StepFailed extends Error {}

const write = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const money = (cents: number): string => `$${(cents / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// HTTP client

interface View {
  id: string;
  country: string;
  status: string;
  track: string | null;
  priority: number | null;
  amountApproved: number | null;
  approvals: string[];
  tranches: { number: number; amount: number; status: string }[];
  score: number | null;
  reviewRound: string | null;
  funding: { fiscalYear: number; window: string } | null;
}

class Api {
  constructor(
    readonly baseUrl: string,
    private readonly tokens: Record<string, string>,
  ) {}

  async call<T>(who: string, method: string, path: string, expected: number, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'idempotency-key': randomBytes(12).toString('hex') };
    const token = this.tokens[who];
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    if (method === 'GET') delete headers['idempotency-key'];
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }), signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new StepFailed(`${method} ${path} got no answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    if (response.status !== expected) {
      throw new StepFailed(`${method} ${path} as ${who} answered ${response.status}, expected ${expected}: ${text.slice(0, 500)}`);
    }
    if (/^application\/(problem\+)?json/.test(response.headers.get('content-type') ?? '')) return JSON.parse(text) as T;
    return text as T;
  }

  /** Reads a request until `done` holds, or fails after `timeoutMs`. */
  async waitFor(who: string, id: string, what: string, done: (view: View) => boolean, timeoutMs = 30_000): Promise<View> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.call<View>(who, 'GET', `/v1/aid-requests/${id}`, 200);
      if (done(view)) return view;
      if (Date.now() > deadline) throw new StepFailed(`request ${id} did not get ${what} within ${timeoutMs / 1000} s (status ${view.status})`);
      await sleep(200);
    }
  }
}

function expectThat(condition: boolean, message: string): void {
  if (!condition) throw new StepFailed(message);
}

// ---------------------------------------------------------------------------------------------
// The webhook receiver

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

async function startReceiver(port: number): Promise<{ server: http.Server; port: number; messages: Received[] }> {
  const messages: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      messages.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, messages };
}

// ---------------------------------------------------------------------------------------------
// The service started for the demo (no --url)

interface LocalService {
  readonly child: ChildProcess;
  readonly url: string;
  readonly dataDir: string;
  output: string;
}

async function startLocalService(jwtSecret: string, receiverPort: number): Promise<LocalService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cdt-fund-demo-'));
  const port = await freePort();
  // The child runs with the caller's environment (REDIS_URL, PATH…), minus DATABASE_URL so that it
  // starts its embedded PostgreSQL in the fresh folder.
  // eslint-disable-next-line no-restricted-properties -- the child service's environment, not this tool's configuration
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [join(__dirname, '..', 'main.js')], {
    env: {
      ...inherited,
      NODE_ENV: 'development',
      APP_ROLE: 'all',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      QUEUE_PREFIX: `demo-${randomBytes(4).toString('hex')}`,
      JWT_SECRET: jwtSecret,
      WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiverPort}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service: LocalService = { child, url: `http://127.0.0.1:${port}`, dataDir, output: '' };
  const keep = (chunk: Buffer): void => {
    service.output = (service.output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new StepFailed(`the service exited with ${child.exitCode} while starting:\n${service.output}`);
    try {
      const response = await fetch(`${service.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return service;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new StepFailed(`the service was not ready within 180 s:\n${service.output}`);
    await sleep(250);
  }
}

async function stopLocalService(service: LocalService): Promise<void> {
  if (service.child.exitCode === null && service.child.signalCode === null) {
    const exited = once(service.child, 'exit');
    service.child.kill('SIGTERM');
    const timer = setTimeout(() => service.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(service.dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The story

function fiscalYearOf(date: Date, startMonth: number): number {
  return date.getUTCMonth() + 1 >= startMonth && startMonth > 1 ? date.getUTCFullYear() + 1 : date.getUTCFullYear();
}

async function story(api: Api, options: { fourEyesThreshold: number; fiscalYearStartMonth: number; receiver: Awaited<ReturnType<typeof startReceiver>> }): Promise<void> {
  let current = 0;
  const step = async (name: StepName, run: () => Promise<string[]>): Promise<void> => {
    current += 1;
    write(`\n[${current}/${STEPS.length}] ${name}`);
    let lines: string[];
    try {
      lines = await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new StepFailed(`step ${current} (${name}) failed: ${message}`);
    }
    for (const line of lines) write(`  ${line}`);
  };

  const fiscalYear = fiscalYearOf(new Date(), options.fiscalYearStartMonth);
  const detectedAt = new Date(Date.now() - 2 * 3600_000).toISOString();
  const bigGrant = Math.min(Math.max(options.fourEyesThreshold, 10_000_000), 10_000_000_000);
  const ids: Record<'cr' | 'pa' | 'doIncident' | 'doCapacity', string> = { cr: '', pa: '', doIncident: '', doCapacity: '' };

  await step('Allocations', async () => {
    const amount = 100_000_000_000;
    await api.call('admin', 'POST', `/v1/funds/${fiscalYear}/allocations`, 201, { window: 'rapid_response', amount, note: 'Demo: rapid-response budget' });
    const fund = await api.call<{ windows: Record<string, { allocated: number; available: number }> }>('admin', 'POST', `/v1/funds/${fiscalYear}/allocations`, 201, {
      window: 'capacity_building',
      amount,
      note: 'Demo: capacity-building budget',
    });
    const rr = fund.windows['rapid_response'];
    const cb = fund.windows['capacity_building'];
    expectThat(rr !== undefined && cb !== undefined && rr.allocated >= amount && cb.allocated >= amount, `the fund does not show both allocations: ${JSON.stringify(fund)}`);
    return [`admin allocated ${money(amount)} to each window of fund-${fiscalYear}: rapid_response available ${money(rr!.available)}, capacity_building available ${money(cb!.available)}`];
  });

  await step('Filings', async () => {
    const cr = await api.call<View>('partner-cr', 'POST', '/v1/aid-requests', 201, {
      kind: 'incident_response',
      title: 'Ransomware on customs and tax systems',
      description: 'Customs and tax systems encrypted; operations halted since this morning.',
      actionArea: 'countering_threats',
      amountRequested: 2_500_000,
      tlp: 'GREEN',
      incident: { severity: 'critical', ongoing: true, detectedAt, sectors: ['government', 'finance'] },
    });
    const half = Math.floor(bigGrant / 2);
    const pa = await api.call<View>('partner-pa', 'POST', '/v1/aid-requests', 201, {
      kind: 'capacity_building',
      title: 'National CSIRT training programme',
      description: 'Two years of training for the national CSIRT and the operators of critical infrastructure.',
      actionArea: 'partner_capacity',
      amountRequested: bigGrant,
      capacity: { durationMonths: 24, sectors: ['telecom', 'energy'], milestones: [{ title: 'Curriculum and first cohort', amount: half }, { title: 'Second cohort and exercises', amount: bigGrant - half }] },
    });
    const doIncident = await api.call<View>('partner-do', 'POST', '/v1/aid-requests', 201, {
      kind: 'incident_response',
      title: 'Defacement of ministry websites',
      description: 'Several ministry websites defaced overnight; no data loss known so far.',
      actionArea: 'countering_threats',
      amountRequested: 800_000,
      incident: { severity: 'high', ongoing: false, detectedAt, sectors: ['other'] },
    });
    const doCapacity = await api.call<View>('partner-do', 'POST', '/v1/aid-requests', 201, {
      kind: 'capacity_building',
      title: 'Data protection authority tooling',
      description: 'Case-management tooling and training for the new data protection authority.',
      actionArea: 'data_governance',
      amountRequested: 3_000_000,
      capacity: { durationMonths: 12, milestones: [{ title: 'Tooling', amount: 3_000_000 }] },
    });
    ids.cr = cr.id;
    ids.pa = pa.id;
    ids.doIncident = doIncident.id;
    ids.doCapacity = doCapacity.id;
    return [
      `CR filed ${cr.id}: incident_response, critical ransomware, ${money(2_500_000)}`,
      `PA filed ${pa.id}: capacity_building, CSIRT training, ${money(bigGrant)}`,
      `DO filed ${doIncident.id}: incident_response, high, ${money(800_000)}; and ${doCapacity.id}: capacity_building, ${money(3_000_000)}`,
    ];
  });

  await step('Triage', async () => {
    const triaged = (view: View): boolean => view.track !== null && view.priority !== null;
    const cr = await api.waitFor('officer-1', ids.cr, 'a track and priority', triaged);
    const pa = await api.waitFor('officer-1', ids.pa, 'a track, priority and score', (view) => triaged(view) && view.score !== null);
    const doIncident = await api.waitFor('officer-1', ids.doIncident, 'a track and priority', triaged);
    await api.waitFor('officer-1', ids.doCapacity, 'a track and priority', triaged);
    expectThat(cr.track === 'rapid_response' && cr.priority === 1, `${cr.id} should be rapid_response priority 1, is ${cr.track} priority ${cr.priority}`);
    expectThat(pa.track === 'capacity_building', `${pa.id} should be on the capacity_building track, is ${pa.track}`);
    expectThat(doIncident.track === 'rapid_response', `${doIncident.id} should be rapid_response, is ${doIncident.track}`);
    return [
      `${cr.id} (CR): track rapid_response, priority ${cr.priority}`,
      `${pa.id} (PA): track capacity_building, priority ${pa.priority}, score ${pa.score}/100, review round ${pa.reviewRound}`,
      `${doIncident.id} (DO): track ${doIncident.track}, priority ${doIncident.priority}`,
    ];
  });

  await step('Information loop', async () => {
    await api.call<View>('officer-1', 'POST', `/v1/aid-requests/${ids.cr}/claim`, 200);
    const asked = await api.call<View>('officer-1', 'POST', `/v1/aid-requests/${ids.cr}/information-requests`, 200, { question: 'Which systems are still encrypted, and do you have backups?' });
    expectThat(asked.status === 'information_requested', `after the question ${ids.cr} is ${asked.status}`);
    const answered = await api.call<View>('partner-cr', 'POST', `/v1/aid-requests/${ids.cr}/information`, 200, { answer: 'Customs is still down; tax backups from last week are intact.' });
    expectThat(answered.status === 'under_review', `after the answer ${ids.cr} is ${answered.status}`);
    return [`officer-1 claimed ${ids.cr} and asked a question (information_requested)`, `CR answered: ${ids.cr} is under_review again`];
  });

  await step('Due diligence', async () => {
    await api.call<View>('officer-1', 'POST', `/v1/aid-requests/${ids.pa}/claim`, 200);
    const refused = await api.call<{ type: string }>('officer-1', 'POST', `/v1/aid-requests/${ids.pa}/approve`, 409, { amountApproved: bigGrant });
    expectThat(refused.type.endsWith('/due-diligence-required'), `approving ${ids.pa} before PA was assessed answered ${refused.type}, expected …/due-diligence-required`);
    const validUntil = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const partner = await api.call<{ riskLevel: string; validUntil: string }>('officer-1', 'POST', '/v1/partners/PA/assessments', 201, {
      riskLevel: 'medium',
      validUntil,
      summary: 'Audited accounts; procurement controls being strengthened.',
    });
    expectThat(partner.riskLevel === 'medium', `PA's risk level after the assessment is ${partner.riskLevel}`);
    const view = await api.call<View & { partnerRiskLevel?: string | null }>('officer-1', 'GET', `/v1/aid-requests/${ids.pa}`, 200);
    expectThat(view.partnerRiskLevel === 'medium', `the officer's view of ${ids.pa} shows the partner risk level ${String(view.partnerRiskLevel)}`);
    return [
      `officer-1 claimed ${ids.pa}; approving it before PA was assessed: 409 ${refused.type}`,
      `officer-1 assessed PA: medium risk, valid until ${partner.validUntil}; the officer's view of ${ids.pa} shows it`,
    ];
  });

  await step('Four-eyes approval', async () => {
    const first = await api.call<View>('officer-1', 'POST', `/v1/aid-requests/${ids.pa}/approve`, 200, { amountApproved: bigGrant });
    expectThat(
      first.status === 'awaiting_second_approval',
      `${money(bigGrant)} is at least the four-eyes threshold (${money(options.fourEyesThreshold)}), yet after one approval ${ids.pa} is ${first.status} (does FOUR_EYES_THRESHOLD match the service's?)`,
    );
    const second = await api.call<View>('officer-2', 'POST', `/v1/aid-requests/${ids.pa}/approve`, 200, { amountApproved: bigGrant });
    expectThat(second.status === 'approved' && second.approvals.length === 2, `after the second approval ${ids.pa} is ${second.status} with approvals ${second.approvals.join(', ')}`);
    return [
      `officer-1 approved ${money(bigGrant)} for ${ids.pa}: awaiting_second_approval`,
      `officer-2 approved it too: approved, ${second.tranches.length} tranches, paid from ${second.funding?.window} of FY${second.funding?.fiscalYear}`,
    ];
  });

  await step('Rejection', async () => {
    await api.call<View>('officer-2', 'POST', `/v1/aid-requests/${ids.doIncident}/claim`, 200);
    const rejected = await api.call<View>('officer-2', 'POST', `/v1/aid-requests/${ids.doIncident}/reject`, 200, { reason: 'No lasting harm; covered by the national budget.' });
    expectThat(rejected.status === 'rejected', `${ids.doIncident} is ${rejected.status} after the rejection`);
    return [`officer-2 claimed and rejected ${ids.doIncident} (DO): rejected`];
  });

  await step('Withdrawal', async () => {
    const withdrawn = await api.call<View>('partner-do', 'POST', `/v1/aid-requests/${ids.doCapacity}/withdraw`, 200, { reason: 'Funded by another donor.' });
    expectThat(withdrawn.status === 'withdrawn', `${ids.doCapacity} is ${withdrawn.status} after the withdrawal`);
    return [`DO withdrew ${ids.doCapacity}: withdrawn`];
  });

  await step('Tranches', async () => {
    const approved = await api.call<View>('officer-1', 'POST', `/v1/aid-requests/${ids.cr}/approve`, 200, { amountApproved: 2_000_000, tranches: [{ amount: 1_500_000 }, { amount: 500_000 }] });
    expectThat(approved.status === 'approved' && approved.tranches.length === 2, `${ids.cr} is ${approved.status} with ${approved.tranches.length} tranches after approval`);
    const timeline = await api.call<{ items: { type: string; data: { dueDiligence?: string } }[] }>('officer-1', 'GET', `/v1/aid-requests/${ids.cr}/timeline`, 200);
    const dueDiligence = timeline.items.find((item) => item.type === 'GrantApproved')?.data.dueDiligence;
    expectThat(dueDiligence === 'waived_emergency', `CR was never assessed, so its rapid-response grant should record "waived_emergency", not ${String(dueDiligence)}`);
    await api.call<View>('officer-1', 'POST', `/v1/aid-requests/${ids.cr}/tranches/1/release`, 200);
    await api.call<View>('officer-1', 'POST', `/v1/aid-requests/${ids.cr}/tranches/2/release`, 200);
    const paid = await api.waitFor('officer-1', ids.cr, 'both tranches disbursed', (view) => view.tranches.length === 2 && view.tranches.every((t) => t.status === 'disbursed'));
    return [
      `officer-1 approved ${money(2_000_000)} for ${ids.cr} in tranches of ${money(1_500_000)} and ${money(500_000)}; CR was never assessed: rapid response, due diligence "waived_emergency"`,
      `both released; the disbursement worker paid them: ${paid.tranches.map((t) => `#${t.number} ${t.status}`).join(', ')}`,
    ];
  });

  await step('Final report', async () => {
    const closed = await api.call<View>('partner-cr', 'POST', `/v1/aid-requests/${ids.cr}/reports`, 200, { summary: 'Systems restored; forensic report shared with the fund.', final: true });
    expectThat(closed.status === 'closed', `${ids.cr} is ${closed.status} after the final report`);
    return [`CR filed the final report on ${ids.cr}: closed`];
  });

  await step('Webhook', async () => {
    const { receiver } = options;
    const endpoint = await api.call<{ id: string; secret: string }>('admin', 'POST', '/v1/webhooks', 201, {
      url: `http://127.0.0.1:${receiver.port}/hooks`,
      scope: 'fund',
      description: 'demo receiver',
    });
    const test = await api.call<{ deliveryId: string }>('admin', 'POST', `/v1/webhooks/${endpoint.id}/test`, 202);
    await api.call<View>('officer-2', 'POST', `/v1/aid-requests/${ids.pa}/tranches/1/release`, 200);
    const verifier = new Webhook(endpoint.secret);
    const deadline = Date.now() + 30_000;
    const wanted = ['webhook.test', 'aid_request.tranche_disbursed'];
    for (;;) {
      // The test message, and the disbursement of the tranche released above.
      const bodies = receiver.messages.map((m) => JSON.parse(m.body) as { type: string; data: Record<string, unknown> });
      const types = new Set(bodies.map((body) => body.type));
      const gotTest = bodies.some((body) => body.type === 'webhook.test' && body.data['endpointId'] === endpoint.id);
      const gotDisbursed = bodies.some((body) => body.type === 'aid_request.tranche_disbursed' && body.data['requestId'] === ids.pa);
      if (gotTest && gotDisbursed) break;
      if (Date.now() > deadline) throw new StepFailed(`within 30 s the receiver got ${receiver.messages.length} messages (${[...types].join(', ') || 'none'}); expected ${wanted.join(' and ')}`);
      await sleep(200);
    }
    const lines: string[] = [`admin registered webhook ${endpoint.id} for the fund scope at 127.0.0.1:${receiver.port}; test message ${test.deliveryId}`];
    for (const message of receiver.messages) {
      const headers = Object.fromEntries(Object.entries(message.headers).map(([key, value]) => [key, String(value)]));
      let parsed: { type: string; data: Record<string, unknown> };
      try {
        parsed = verifier.verify(message.body, headers) as typeof parsed;
      } catch (error) {
        throw new StepFailed(`message ${headers['webhook-id']} failed its Standard Webhooks signature check: ${error instanceof Error ? error.message : String(error)}`);
      }
      const about = typeof parsed.data['requestId'] === 'string' ? ` about ${parsed.data['requestId']}` : '';
      lines.push(`received ${headers['webhook-id']}: ${parsed.type}${about}, signature valid`);
    }
    return lines;
  });

  await step('Document upload', async () => {
    const content = `Situation report for the CSIRT training programme\nFiled at ${new Date().toISOString()}\n`;
    const form = new FormData();
    form.append('kind', 'progress_report');
    form.append('tlp', 'GREEN');
    form.append('file', new Blob([content], { type: 'text/plain' }), 'situation-report.txt');
    const document = await api.call<{ id: string; sha256: string; mediaType: string; size: number }>('partner-pa', 'POST', `/v1/aid-requests/${ids.pa}/documents`, 201, form);
    const expected = createHash('sha256').update(content).digest('hex');
    expectThat(document.sha256 === expected, `the service recorded SHA-256 ${document.sha256}, the file's is ${expected}`);
    const back = await api.call<string>('officer-1', 'GET', `/v1/aid-requests/${ids.pa}/documents/${document.id}/content`, 200);
    expectThat(back === content, 'the content read back differs from the upload');
    return [`PA attached ${document.id} to ${ids.pa}: ${document.mediaType}, ${document.size} bytes, SHA-256 ${document.sha256.slice(0, 16)}…, read back identical`];
  });

  await step('Audit export', async () => {
    // The last event of the story: the document's.
    const timeline = await api.call<{ items: { position: number; type: string }[] }>('auditor', 'GET', `/v1/aid-requests/${ids.pa}/timeline`, 200);
    expectThat(
      timeline.items.some((event) => event.type === 'DocumentAttached'),
      `the timeline of ${ids.pa} has no DocumentAttached event`,
    );
    const last = timeline.items.at(-1);
    const deadline = Date.now() + 60_000;
    let exported: string;
    let treeSize: number;
    for (;;) {
      exported = await api.call<string>('auditor', 'GET', '/v1/audit/export', 200);
      let seqOfLast = -1;
      treeSize = 0;
      for (const line of exported.split('\n')) {
        if (line.startsWith('{"checkpoint":')) treeSize = (JSON.parse(line) as { checkpoint: { treeSize: number } }).checkpoint.treeSize;
        else if (line.includes(`"position":${last!.position},`)) seqOfLast = (JSON.parse(line) as { seq: number }).seq;
      }
      if (seqOfLast >= 0 && treeSize > seqOfLast) break;
      if (Date.now() > deadline) throw new StepFailed(`no signed checkpoint covered event ${last!.position} within 60 s`);
      await sleep(500);
    }
    const latest = await api.call<{ treeSize: number }>('anonymous', 'GET', '/v1/audit/checkpoints/latest', 200);
    const keys = await api.call<unknown>('anonymous', 'GET', '/v1/audit/public-keys', 200);
    const folder = mkdtempSync(join(tmpdir(), 'cdt-fund-demo-audit-'));
    try {
      const exportFile = join(folder, 'export.ndjson');
      const keysFile = join(folder, 'public-keys.json');
      writeFileSync(exportFile, exported);
      writeFileSync(keysFile, JSON.stringify(keys));
      const said: string[] = [];
      const code = await auditVerifyCommand([exportFile, keysFile, '--tree-size', String(treeSize), '--json'], { log: (line) => said.push(line), error: (line) => said.push(line) });
      const result = JSON.parse(said.join('\n') || '{}') as { ok?: boolean; verifiedEvents?: number; checkpoints?: number };
      expectThat(code === 0 && result.ok === true, `offline verification failed (exit ${code}): ${said.join(' ')}`);
      return [
        `auditor exported ${exported.split('\n').filter((l) => l.startsWith('{"seq"')).length} events; checkpoint of tree size ${treeSize} covers the last one (latest checkpoint: ${latest.treeSize})`,
        `verified offline with the key from /v1/audit/public-keys: ${result.verifiedEvents} events, ${result.checkpoints} signed checkpoint(s), ok`,
      ];
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { url: { type: 'string' }, 'webhook-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    write(USAGE);
    return 0;
  }
  const receiverPort = values['webhook-port'] === undefined ? 0 : Number(values['webhook-port']);
  if (!Number.isInteger(receiverPort) || receiverPort < 0 || receiverPort > 65_535) {
    process.stderr.write(`--webhook-port must be a port number\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const startedAt = Date.now();
  const receiver = await startReceiver(receiverPort);
  let service: LocalService | undefined;
  const stopOnSignal = (): void => {
    if (service !== undefined) service.child.kill('SIGTERM');
    receiver.server.close();
  };
  process.once('SIGINT', stopOnSignal);
  try {
    let baseUrl: string;
    let secret: Uint8Array;
    if (values.url === undefined) {
      const jwtSecret = randomBytes(32).toString('hex');
      write('Starting the service (embedded PostgreSQL in a fresh temporary folder)…');
      service = await startLocalService(jwtSecret, receiver.port);
      baseUrl = service.url;
      secret = new TextEncoder().encode(jwtSecret);
      write(`Service ready at ${baseUrl} after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    } else {
      baseUrl = values.url.replace(/\/+$/, '');
      if (config.jwt.secret === undefined) throw new StepFailed('--url needs JWT_SECRET, the secret the service verifies tokens with');
      secret = config.jwt.secret;
      write(`Using the service at ${baseUrl}; the webhook receiver listens on 127.0.0.1:${receiver.port}, which the service must allow-list (WEBHOOK_ALLOWED_HOSTS=127.0.0.1:${receiver.port})`);
    }
    const mint = (sub: string, role: Role, country?: string): Promise<string> =>
      mintToken(secret, { sub, role, country }, { ttlSeconds: 3600, issuer: config.jwt.issuer, audience: config.jwt.audience });
    const tokens: Record<string, string> = {
      admin: await mint('demo-admin', 'admin'),
      'officer-1': await mint('demo-officer-1', 'officer'),
      'officer-2': await mint('demo-officer-2', 'officer'),
      auditor: await mint('demo-auditor', 'auditor'),
      'partner-cr': await mint('demo-cr-csirt', 'partner', 'CR'),
      'partner-pa': await mint('demo-pa-csirt', 'partner', 'PA'),
      'partner-do': await mint('demo-do-csirt', 'partner', 'DO'),
    };
    await story(new Api(baseUrl, tokens), { fourEyesThreshold: Number(config.fourEyesThreshold), fiscalYearStartMonth: config.fiscalYearStartMonth, receiver });
    write(`\nOK: all ${STEPS.length} steps did what they should (${STEPS.join(', ')}) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    write(`\nFAILED: ${message}`);
    if (service !== undefined && !(error instanceof StepFailed && message.includes(service.output))) {
      process.stderr.write(`last service output:\n${service.output}\n`);
    }
    return 1;
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    receiver.server.close();
    if (service !== undefined) {
      write('Stopping the service…');
      await stopLocalService(service);
      write(`Service stopped and its temporary folder removed; total run time ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
