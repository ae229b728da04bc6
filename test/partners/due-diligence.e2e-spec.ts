import { eventually } from '@app/testing';
import { Workflow } from '../support/officer-flow';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Partner due diligence over HTTP (docs/api.md, "Due diligence"): the partner routes for every
 * role, validation, Idempotency-Key, and the approval and tranche rules with their problem types.
 * The test clock stands at 2026-11-28T10:00:00Z; each scenario uses a country of its own.
 */

const FY = 2027;
let t: TestApp;
let cr: Workflow;
let ben: string;
let auditor: string;

beforeAll(async () => {
  t = await createTestApp();
  cr = await Workflow.create(t, 'CR');
  ben = await t.token('officer', { sub: 'officer-ben' });
  auditor = await t.token('auditor', { sub: 'auditor-ines' });
  await cr.allocate(FY, 'rapid_response', 500_000_000);
  await cr.allocate(FY, 'capacity_building', 500_000_000);
});
afterAll(async () => {
  await t.close();
});

const assessment = { riskLevel: 'medium', validUntil: '2027-06-30T12:00:00Z', summary: 'Audited accounts; one finding on procurement.' };

/** Files and claims a request without the workflow's automatic due diligence (a capacity request stays unassessed). */
async function claimed(w: Workflow, body: unknown): Promise<string> {
  const id = await w.triaged(body);
  expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/claim`)).statusCode).toBe(200);
  return id;
}

async function timelineData(id: string, type: string): Promise<Record<string, unknown>[]> {
  const items = (await cr.get(cr.tokens.officer, `/v1/aid-requests/${id}/timeline`)).json().items as { type: string; data: Record<string, unknown> }[];
  return items.filter((item) => item.type === type).map((item) => item.data);
}

describe('POST /v1/partners/:country/assessments and GET /v1/partners/:country', () => {
  it('a partner never assessed has no risk level', async () => {
    const response = await cr.get(cr.tokens.officer, '/v1/partners/BZ');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ country: 'BZ', riskLevel: null, validUntil: null, assessments: [], version: 0 });
  });

  it('an officer assesses: 201 with Location and the partner view; officers, auditors, admins and the partner itself read it', async () => {
    const w = await Workflow.create(t, 'SV');
    const created = await w.post(w.tokens.officer, '/v1/partners/SV/assessments', assessment);
    expect(created.statusCode).toBe(201);
    expect(created.headers['location']).toBe('/v1/partners/SV');
    expect(created.headers['etag']).toBe('"1"');
    const view = {
      country: 'SV',
      riskLevel: 'medium',
      validUntil: '2027-06-30T12:00:00.000Z',
      assessments: [{ riskLevel: 'medium', validUntil: '2027-06-30T12:00:00.000Z', summary: assessment.summary, assessedBy: 'officer-ana', assessedAt: '2026-11-28T10:00:00.000Z' }],
      version: 1,
    };
    expect(created.json()).toEqual(view);
    for (const token of [w.tokens.officer, auditor, w.tokens.admin, w.tokens.partner]) {
      const read = await w.get(token, '/v1/partners/SV');
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(view);
    }
    const other = await t.token('partner', { country: 'GT', sub: 'gt-csirt' });
    const hidden = await w.get(other, '/v1/partners/SV');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('a reassessment becomes the standing; every assessment is listed, oldest first', async () => {
    const w = await Workflow.create(t, 'NI');
    await w.assess('high', '2027-03-31');
    t.clock.advance(60_000);
    const second = await w.post(ben, '/v1/partners/NI/assessments', { riskLevel: 'low', validUntil: '2027-12-31', summary: 'Findings closed.' });
    expect(second.statusCode).toBe(201);
    expect(second.json()).toMatchObject({ riskLevel: 'low', validUntil: '2027-12-31T23:59:59.999Z', version: 2 });
    expect(second.json().assessments.map((a: { riskLevel: string; assessedBy: string }) => [a.riskLevel, a.assessedBy])).toEqual([
      ['high', 'officer-ana'],
      ['low', 'officer-ben'],
    ]);
  });

  it('a bare date is valid to the end of that day, UTC', async () => {
    const response = await cr.post(cr.tokens.officer, '/v1/partners/DO/assessments', { ...assessment, validUntil: '2027-01-15' });
    expect(response.statusCode).toBe(201);
    expect(response.json().validUntil).toBe('2027-01-15T23:59:59.999Z');
  });

  it.each([
    ['validUntil', { validUntil: '2026-11-27T10:00:00Z' }],
    ['validUntil', { validUntil: '2026-11-27' }],
    ['validUntil', { validUntil: 'next year' }],
    ['validUntil', { validUntil: '2027-02-30' }],
    ['validUntil', { validUntil: '2027-06-30T12:00:00' }],
    ['riskLevel', { riskLevel: 'extreme' }],
    ['summary', { summary: '' }],
    ['summary', { summary: 'x'.repeat(2_001) }],
    ['unexpected', { unexpected: true }],
  ])('a bad %s is a 400 naming the field', async (field, change) => {
    const response = await cr.post(cr.tokens.officer, '/v1/partners/CR/assessments', { ...assessment, ...change });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('the country must be an ISO 3166-1 alpha-2 code in capitals: 400 naming it', async () => {
    for (const country of ['cr', 'CRI', 'C1']) {
      for (const response of [await cr.post(cr.tokens.officer, `/v1/partners/${country}/assessments`, assessment), await cr.get(cr.tokens.officer, `/v1/partners/${country}`)]) {
        expect(response.statusCode).toBe(400);
        expect(response.json().errors).toEqual([{ field: 'country', message: expect.any(String) }]);
      }
    }
  });

  it('only officers assess', async () => {
    for (const token of [cr.tokens.partner, auditor, cr.tokens.admin]) {
      expect((await cr.post(token, '/v1/partners/CR/assessments', assessment)).statusCode).toBe(403);
    }
    expect((await t.request({ method: 'POST', url: '/v1/partners/CR/assessments', payload: assessment })).statusCode).toBe(401);
  });

  it('Idempotency-Key: the same key and body replay the first answer; another body is 422', async () => {
    const key = { 'idempotency-key': 'assess-hn-1' };
    const first = await cr.post(cr.tokens.officer, '/v1/partners/HN/assessments', assessment, key);
    const again = await cr.post(cr.tokens.officer, '/v1/partners/HN/assessments', assessment, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await cr.get(cr.tokens.officer, '/v1/partners/HN')).json().assessments).toHaveLength(1);
    expect((await cr.post(cr.tokens.officer, '/v1/partners/HN/assessments', { ...assessment, riskLevel: 'high' }, key)).statusCode).toBe(422);
  });
});

describe('approvals and tranches under due diligence', () => {
  it('a capacity-building approval without a valid assessment is a 409 …/due-diligence-required; with one it records the risk level', async () => {
    const w = await Workflow.create(t, 'PA');
    const id = await claimed(w, capacityBody());
    const refused = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 3_000_000 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().type).toMatch(/\/due-diligence-required$/);

    // An assessment that has expired by the time of the approval does not count either.
    await w.assess('low', '2026-11-28T11:00:00Z');
    t.clock.advance(2 * 3600_000);
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 3_000_000 })).json().type).toMatch(/\/due-diligence-required$/);

    await w.assess('low');
    const approved = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 3_000_000 });
    expect(approved.statusCode).toBe(200);
    expect(approved.json().status).toBe('approved');
    expect((await timelineData(id, 'GrantApproved'))[0]).toMatchObject({ dueDiligence: 'low' });
  });

  it('a rapid-response approval without an assessment goes through: GrantApproved records "waived_emergency"', async () => {
    const w = await Workflow.create(t, 'BZ');
    const id = await w.underReview(incidentBody());
    const approved = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 2_000_000 });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', tranches: [{ number: 1, amount: 2_000_000 }] });
    expect((await timelineData(id, 'GrantApproved'))[0]).toMatchObject({ dueDiligence: 'waived_emergency' });
    expect((await timelineData(id, 'ApprovalRecorded'))[0]).toMatchObject({ dueDiligence: 'waived_emergency' });
  });

  it('high risk: two officers even below the four-eyes threshold, tranches of at most a quarter; explicit larger ones are a 409 …/risk-limit', async () => {
    const w = await Workflow.create(t, 'GT');
    await w.assess('high');
    const id = await w.underReview(incidentBody());
    const tooBig = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000, tranches: [{ amount: 500_000 }, { amount: 500_000 }] });
    expect(tooBig.statusCode).toBe(409);
    expect(tooBig.json().type).toMatch(/\/risk-limit$/);

    const first = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'awaiting_second_approval', approvals: ['officer-ana'] });
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000 })).json().type).toMatch(/four_eyes$/);
    const second = await w.post(ben, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000 });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ status: 'approved', approvals: ['officer-ana', 'officer-ben'] });
    expect(second.json().tranches.map((tr: { amount: number }) => tr.amount)).toEqual([250_000, 250_000, 250_000, 250_000]);
    expect((await timelineData(id, 'GrantApproved'))[0]).toMatchObject({ dueDiligence: 'high' });
  });

  it('tranches go in order (409 …/tranche-order), and medium risk needs a report since the last disbursement (409 …/report-required)', async () => {
    const w = await Workflow.create(t, 'HN');
    const id = await w.underReview(capacityBody());
    // HN was assessed medium risk above (Idempotency-Key test); the workflow keeps that assessment.
    expect((await w.get(w.tokens.officer, '/v1/partners/HN')).json().riskLevel).toBe('medium');
    const approved = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 3_000_000 });
    expect(approved.json()).toMatchObject({ status: 'approved', tranches: [{ number: 1 }, { number: 2 }] });

    const outOfOrder = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/2/release`);
    expect(outOfOrder.statusCode).toBe(409);
    expect(outOfOrder.json().type).toMatch(/\/tranche-order$/);

    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/1/release`)).statusCode).toBe(200);
    const notYetDisbursed = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/2/release`);
    expect(notYetDisbursed.json().type).toMatch(/\/report-required$/);
    await eventually(async () => (await w.view(id)).tranches[0].status === 'disbursed');
    const noReport = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/2/release`);
    expect(noReport.statusCode).toBe(409);
    expect(noReport.json().type).toMatch(/\/report-required$/);

    expect((await w.post(w.tokens.partner, `/v1/aid-requests/${id}/reports`, { summary: 'Team hired and trained.' })).statusCode).toBe(200);
    const released = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/2/release`);
    expect(released.statusCode).toBe(200);
    expect(released.json().tranches.map((tr: { status: string }) => tr.status)).toEqual(['disbursed', 'released']);
  });

  it('the officer’s and the auditor’s view of a request shows the partner’s current risk level; the partner’s does not', async () => {
    const w = await Workflow.create(t, 'CO');
    const id = await w.triaged(incidentBody());
    expect((await w.get(w.tokens.officer, `/v1/aid-requests/${id}`)).json().partnerRiskLevel).toBeNull();
    await w.assess('high');
    expect((await w.get(w.tokens.officer, `/v1/aid-requests/${id}`)).json().partnerRiskLevel).toBe('high');
    expect((await w.get(auditor, `/v1/aid-requests/${id}`)).json().partnerRiskLevel).toBe('high');
    expect((await w.get(w.tokens.partner, `/v1/aid-requests/${id}`)).json()).not.toHaveProperty('partnerRiskLevel');
  });
});
