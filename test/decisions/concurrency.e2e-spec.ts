import { Workflow } from '../support/officer-flow';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

const FY = 2027;
const AMOUNT = 1_000_000;
let t: TestApp;
let w: Workflow;

beforeAll(async () => {
  t = await createTestApp({ env: { DATABASE_POOL_SIZE: '20' } });
  w = await Workflow.create(t);
});
afterAll(async () => {
  await t.close();
});

async function underReviewMany(count: number, body: unknown): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 25) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, () => w.underReview(body)))));
  }
  return ids;
}

describe('concurrent approvals against one fund window', () => {
  it('approves exactly as many as the money allows: 200 racing approvals, money for 100', async () => {
    await w.allocate(FY, 'capacity_building', 100 * AMOUNT);
    const ids = await underReviewMany(200, capacityBody({ amountRequested: AMOUNT }, { milestones: [{ title: 'All of it', amount: AMOUNT }] }));

    const responses = await Promise.all(ids.map((id) => w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: AMOUNT })));
    const approved = responses.filter((r) => r.statusCode === 200);
    const refused = responses.filter((r) => r.statusCode === 409);
    expect(approved).toHaveLength(100);
    expect(refused).toHaveLength(100);
    for (const r of refused) expect(r.json().type).toContain('fund.insufficient_funds');

    const window = (await w.fund(FY)).windows.capacity_building;
    expect(window).toEqual({ allocated: 100 * AMOUNT, committed: 100 * AMOUNT, disbursed: 0, available: 0 });
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE event_type = 'GrantApproved' AND stream_id = ANY($1)`,
      [ids.map((id) => `aid-request-${id}`)],
    );
    expect(rows[0]!.n).toBe(100);
    // The fund stream agrees with its view: replaying it gives the same commitment.
    const commits = await t.pool.query<{ total: string }>(
      `SELECT coalesce(sum((data->>'amount')::bigint), 0)::text AS total FROM events WHERE stream_id = $1 AND event_type = 'FundsCommitted'`,
      [`fund-${FY}`],
    );
    expect(Number(commits.rows[0]!.total)).toBe(100 * AMOUNT);
  }, 120_000);

  it('amendments race approvals on one window: 40 cost increases and 160 approvals, money for 100; never over-committed', async () => {
    const fy = 2028;
    const started = t.clock.now();
    t.clock.set('2027-11-15T10:00:00Z'); // filed in fiscal year 2028: a window of its own
    try {
    const body = capacityBody({ amountRequested: AMOUNT }, { milestones: [{ title: 'All of it', amount: AMOUNT }] });
    // 40 grants approved while the window has money for exactly them, then each proposes a cost increase.
    await w.allocate(fy, 'capacity_building', 40 * AMOUNT);
    const grants = await underReviewMany(40, body);
    for (const id of grants) expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: AMOUNT })).statusCode).toBe(200);
    const amendments = await Promise.all(
      grants.map(async (id) => {
        const proposed = await w.post(w.tokens.partner, `/v1/aid-requests/${id}/amendments`, { type: 'cost_increase', amount: AMOUNT, reason: 'Exchange rate.' });
        expect(proposed.statusCode).toBe(201);
        return { id, amendmentId: proposed.json().id as string };
      }),
    );
    const requests = await underReviewMany(160, body);
    await w.allocate(fy, 'capacity_building', 100 * AMOUNT);

    // 200 racing decisions, each worth AMOUNT, for 100 × AMOUNT.
    const calls = [
      ...amendments.map(({ id, amendmentId }) => () => w.post(w.tokens.officer, `/v1/aid-requests/${id}/amendments/${amendmentId}/approve`, {})),
      ...requests.map((id) => () => w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: AMOUNT })),
    ];
    const responses = await Promise.all(calls.map((call) => call()));
    const ok = responses.filter((r) => r.statusCode === 200);
    const refused = responses.filter((r) => r.statusCode === 409);
    expect(ok).toHaveLength(100);
    expect(refused).toHaveLength(100);
    for (const r of refused) expect(r.json().type).toContain('fund.insufficient_funds');

    const window = (await w.fund(fy)).windows.capacity_building;
    expect(window.committed).toBeLessThanOrEqual(window.allocated);
    const views = await Promise.all([...grants, ...requests].map((id) => w.view(id)));
    const approvedTotal = views.filter((v) => v.status === 'approved').reduce((sum, v) => sum + (v.amountApproved as number), 0);
    expect(window).toEqual({ allocated: 140 * AMOUNT, committed: approvedTotal, disbursed: 0, available: 0 });
    expect(approvedTotal).toBe(140 * AMOUNT);
    } finally {
      t.clock.set(started);
    }
  }, 180_000);

  it('lets exactly one of two officers racing on a second approval complete it', async () => {
    await w.allocate(2028, 'rapid_response', 1);
    await w.allocate(FY, 'rapid_response', 30_000_000);
    const [id] = await underReviewMany(1, incidentBody({ amountRequested: 30_000_000 }, { severity: 'high', sectors: [] }));
    const first = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 30_000_000 });
    expect(first.json().status).toBe('awaiting_second_approval');
    const before = (await w.fund(FY)).windows.rapid_response;
    const racers = await Promise.all(['officer-ben', 'officer-chen'].map((sub) => t.token('officer', { sub })));
    const responses = await Promise.all(racers.map((token) => w.post(token, `/v1/aid-requests/${id}/approve`, { amountApproved: 30_000_000 })));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const view = await w.view(id!);
    expect(view.status).toBe('approved');
    expect(view.approvals).toHaveLength(2);
    expect(view.approvals[0]).toBe('officer-ana');
    expect((await w.fund(FY)).windows.rapid_response).toEqual(before);
  }, 60_000);
});
