import { eventually } from '@app/testing';
import { Workflow } from '../support/officer-flow';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

// Filed 2026-11-28 with the default October start: fiscal year 2027.
const FY = 2027;
let t: TestApp;
let w: Workflow;
let otherOfficer: string;

beforeAll(async () => {
  t = await createTestApp();
  w = await Workflow.create(t);
  otherOfficer = await t.token('officer', { sub: 'officer-ben' });
  await w.allocate(FY, 'rapid_response', 200_000_000);
  await w.allocate(FY, 'capacity_building', 50_000_000);
});
afterAll(async () => {
  await t.close();
});

describe('funds', () => {
  it('adds allocations up and shows each window', async () => {
    await w.allocate(2031, 'rapid_response', 1_000);
    await w.allocate(2031, 'rapid_response', 500);
    const fund = await w.fund(2031);
    expect(fund).toMatchObject({
      fiscalYear: 2031,
      windows: {
        rapid_response: { allocated: 1_500, committed: 0, disbursed: 0, available: 1_500 },
        capacity_building: { allocated: 0, committed: 0, disbursed: 0, available: 0 },
      },
    });
  });

  it('refuses bad allocations and non-admins', async () => {
    expect((await w.post(w.tokens.admin, `/v1/funds/${FY}/allocations`, { window: 'rapid_response', amount: 0, note: 'x' })).statusCode).toBe(400);
    expect((await w.post(w.tokens.admin, `/v1/funds/${FY}/allocations`, { window: 'elsewhere', amount: 10, note: 'x' })).statusCode).toBe(400);
    expect((await w.post(w.tokens.admin, `/v1/funds/${FY}/allocations`, { window: 'rapid_response', amount: 1.5, note: 'x' })).statusCode).toBe(400);
    expect((await w.post(w.tokens.admin, '/v1/funds/27/allocations', { window: 'rapid_response', amount: 10, note: 'x' })).statusCode).toBe(400);
    expect((await w.post(w.tokens.officer, `/v1/funds/${FY}/allocations`, { window: 'rapid_response', amount: 10, note: 'x' })).statusCode).toBe(403);
    expect((await w.get(w.tokens.partner, `/v1/funds/${FY}`)).statusCode).toBe(403);
  });
});

describe('a rapid-response grant from filing to closing', () => {
  it('asks for information (pausing the decide clock), approves, disburses through the queue and closes', async () => {
    const id = await w.underReview();
    const before = await w.view(id);

    // Only the assigned officer may ask; another country's partner cannot answer.
    expect((await w.post(otherOfficer, `/v1/aid-requests/${id}/information-requests`, { question: 'Which systems?' })).statusCode).toBe(403);
    const asked = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/information-requests`, { question: 'Which systems are encrypted?' });
    expect(asked.statusCode).toBe(200);
    expect(asked.json()).toMatchObject({ status: 'information_requested', informationRequest: { question: 'Which systems are encrypted?' } });
    const foreign = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
    expect((await w.post(foreign, `/v1/aid-requests/${id}/information`, { answer: 'none of your business' })).statusCode).toBe(404);

    t.clock.advance(3 * 3600_000);
    const answered = await w.post(w.tokens.partner, `/v1/aid-requests/${id}/information`, { answer: 'Customs and tax filing.' });
    expect(answered.statusCode).toBe(200);
    expect(answered.json().status).toBe('under_review');
    expect(Date.parse(answered.json().decideBy) - Date.parse(before.decideBy)).toBe(3 * 3600_000);

    const approved = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 2_000_000 });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({
      status: 'approved',
      amountApproved: 2_000_000,
      approvals: ['officer-ana'],
      tranches: [{ number: 1, amount: 2_000_000, status: 'pending' }],
      funding: { fiscalYear: FY, window: 'rapid_response' },
    });
    const committed = (await w.fund(FY)).windows.rapid_response;

    const early = await w.post(w.tokens.partner, `/v1/aid-requests/${id}/reports`, { summary: 'Recovered.', final: true });
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toMatch(/approved/);

    const released = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/1/release`);
    expect(released.statusCode).toBe(200);
    expect(released.json().tranches[0].status).toBe('released');
    await eventually(async () => (await w.view(id)).tranches[0].status === 'disbursed');
    const after = (await w.fund(FY)).windows.rapid_response;
    expect(after.disbursed - committed.disbursed).toBe(2_000_000);
    expect(after.committed).toBe(committed.committed);

    const report = await w.post(w.tokens.partner, `/v1/aid-requests/${id}/reports`, { summary: 'Systems restored.', final: true });
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({ status: 'closed', reports: [{ summary: 'Systems restored.', final: true }] });

    const { rows } = await t.pool.query<{ event_type: string }>('SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version', [`aid-request-${id}`]);
    expect(rows.map((r) => r.event_type)).toEqual(
      expect.arrayContaining(['InformationRequested', 'InformationProvided', 'ApprovalRecorded', 'GrantApproved', 'TrancheReleased', 'TrancheDisbursed', 'ProgressReported', 'GrantClosed']),
    );
  });

  it('splits a capacity grant into one tranche per milestone, scaled to a smaller approved amount', async () => {
    const id = await w.underReview(capacityBody());
    const approved = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_001 });
    expect(approved.statusCode).toBe(200);
    expect(approved.json().tranches.map((tr: { amount: number }) => tr.amount)).toEqual([333_333, 666_668]);
    expect(approved.json().funding.window).toBe('capacity_building');
  });
});

describe('four eyes', () => {
  it('needs a second, different officer at or above the threshold; the money is reserved at the first', async () => {
    const id = await w.underReview(incidentBody({ amountRequested: 30_000_000 }, { severity: 'high', sectors: [] }));
    const fundBefore = (await w.fund(FY)).windows.rapid_response;
    const first = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 25_000_000 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'awaiting_second_approval', approvals: ['officer-ana'] });
    expect((await w.fund(FY)).windows.rapid_response.committed - fundBefore.committed).toBe(25_000_000);

    const again = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 25_000_000 });
    expect(again.statusCode).toBe(409);
    const stale = await w.post(otherOfficer, `/v1/aid-requests/${id}/approve`, { amountApproved: 25_000_000 }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    const second = await w.post(otherOfficer, `/v1/aid-requests/${id}/approve`, { amountApproved: 25_000_000 }, { 'if-match': first.headers['etag']! });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ status: 'approved', approvals: ['officer-ana', 'officer-ben'] });
    // Committed once, at the first approval.
    expect((await w.fund(FY)).windows.rapid_response.committed - fundBefore.committed).toBe(25_000_000);
  });

  it('answers a stale If-Match on a request the caller may not see with 404, never 412 with its version', async () => {
    const id = await w.underReview();
    const foreign = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
    const bodies: Record<string, unknown> = { withdraw: {}, information: { answer: 'nothing to add' }, reports: { summary: 'all going well' } };
    for (const [action, body] of Object.entries(bodies)) {
      const response = await w.post(foreign, `/v1/aid-requests/${id}/${action}`, body, { 'if-match': '"1"' });
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('currentVersion');
    }
    const unknown = '019ac9a0-0000-7000-8000-0000000000ff';
    const missing = await w.post(w.tokens.officer, `/v1/aid-requests/${unknown}/claim`, undefined, { 'if-match': '"5"' });
    expect(missing.statusCode).toBe(404);
    // The request's own country still gets 412 for a stale version.
    expect((await w.post(w.tokens.partner, `/v1/aid-requests/${id}/withdraw`, {}, { 'if-match': '"1"' })).statusCode).toBe(412);
  });

  it('answers a retried refusal with the same Idempotency-Key as the first time, even after the request moved on', async () => {
    const id = await w.triaged();
    const key = { 'idempotency-key': `approve-early-${id}` };
    const early = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000 }, key);
    expect(early.statusCode).toBe(409);
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/claim`)).statusCode).toBe(200);
    const retried = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000 }, key);
    expect(retried.statusCode).toBe(409);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.headers['content-type']).toContain('application/problem+json');
    const { instance: _first, ...firstBody } = early.json();
    const { instance: _again, ...againBody } = retried.json();
    expect(againBody).toEqual(firstBody);
    expect((await w.view(id)).status).toBe('under_review');
    // Another body with the key is refused as a reuse; a new key acts on the current state.
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 2_000_000 }, key)).statusCode).toBe(422);
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000 }, { 'idempotency-key': `approve-${id}` })).statusCode).toBe(200);
  });

  it('releases the reserved money when the request is rejected or withdrawn', async () => {
    const rejectedId = await w.underReview(incidentBody({ amountRequested: 30_000_000 }, { severity: 'high', sectors: [] }));
    const withdrawnId = await w.underReview(incidentBody({ amountRequested: 30_000_000 }, { severity: 'high', sectors: [] }));
    const base = (await w.fund(FY)).windows.rapid_response.committed;
    await w.post(w.tokens.officer, `/v1/aid-requests/${rejectedId}/approve`, { amountApproved: 26_000_000 });
    await w.post(w.tokens.officer, `/v1/aid-requests/${withdrawnId}/approve`, { amountApproved: 27_000_000 });
    expect((await w.fund(FY)).windows.rapid_response.committed - base).toBe(53_000_000);

    const rejected = await w.post(otherOfficer, `/v1/aid-requests/${rejectedId}/reject`, { reason: 'Covered by another donor.' });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'rejected', decisionReason: 'Covered by another donor.' });
    const withdrawn = await w.post(w.tokens.partner, `/v1/aid-requests/${withdrawnId}/withdraw`, { reason: 'Resolved locally.' });
    expect(withdrawn.statusCode).toBe(200);
    expect(withdrawn.json().status).toBe('withdrawn');
    expect((await w.fund(FY)).windows.rapid_response.committed).toBe(base);

    expect((await w.post(w.tokens.partner, `/v1/aid-requests/${rejectedId}/withdraw`, {})).statusCode).toBe(409);
  });
});

describe('refusals', () => {
  it('answers 409 when the window lacks the money, changing nothing', async () => {
    const id = await w.underReview(capacityBody({ amountRequested: 60_000_000 }, { milestones: [{ title: 'All', amount: 60_000_000 }] }));
    const fund = await w.fund(FY);
    const refused = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: fund.windows.capacity_building.available + 1 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().type).toContain('fund.insufficient_funds');
    expect(await w.fund(FY)).toEqual(fund);
    expect((await w.view(id)).status).toBe('under_review');
  });

  it('answers 409 naming the status for an action the status does not allow, and 400 for bad bodies', async () => {
    const id = await w.triaged();
    const approve = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 100 });
    expect(approve.statusCode).toBe(409);
    expect(approve.json().detail).toMatch(/triaged/);
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: -1 })).statusCode).toBe(400);
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/reject`, {})).statusCode).toBe(400);
    for (const n of ['zero', '0', '-1', '1.5', '99999999999999999999']) {
      const release = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/${n}/release`);
      expect([n, release.statusCode]).toEqual([n, 400]);
    }
    expect((await w.post(w.tokens.partner, `/v1/aid-requests/${id}/approve`, { amountApproved: 100 })).statusCode).toBe(403);
  });

  it('refuses tranches that do not add up to the approved amount', async () => {
    const id = await w.underReview();
    const response = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000, tranches: [{ amount: 400_000 }, { amount: 500_000 }] });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('tranches');
  });
});

describe('disbursements', () => {
  it('pays a tranche once even when its job runs twice', async () => {
    const id = await w.underReview();
    await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000, tranches: [{ amount: 400_000 }, { amount: 600_000 }] });
    // Tranches go in order: the first one is the one paid (and re-run) here.
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/1/release`)).statusCode).toBe(200);
    await eventually(async () => (await w.view(id)).tranches[0].status === 'disbursed');
    const { Queue } = await import('bullmq');
    const queue = new Queue('disbursements', { connection: { url: t.config.redisUrl }, prefix: `{${t.config.queuePrefix}}` });
    const jobId = `rerun-${id}`;
    await queue.add('disburse-tranche', { requestId: id, tranche: 1, trace: { causationId: 'test', correlationId: 'test' } }, { jobId });
    await eventually(async () => (await queue.getJobState(jobId)) === 'completed');
    await queue.close();
    const { rows } = await t.pool.query<{ stream_id: string; n: number }>(
      `SELECT stream_id, count(*)::int AS n FROM events
       WHERE event_type IN ('TrancheDisbursed', 'FundsDisbursed') AND data->>'requestId' = $1 GROUP BY stream_id ORDER BY stream_id`,
      [id],
    );
    expect(rows).toEqual([
      { stream_id: `aid-request-${id}`, n: 1 },
      { stream_id: `fund-${FY}`, n: 1 },
    ]);
  });
});
