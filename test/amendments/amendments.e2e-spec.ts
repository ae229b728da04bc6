import { eventually } from '@app/testing';
import type { QueryRunner } from 'typeorm';
import { GrantPeriodInViews1795852800520 } from '../../migrations/1795852800520-GrantPeriodInViews';
import { AidRequestViewStore } from '../../src/aid-requests/projections/aid-request-view.store';
import { Workflow } from '../support/officer-flow';
import { capacityBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Amendments through HTTP, with a fixed clock (2026-11-28T10:00Z, fiscal year 2027): the partner
 * proposes, officers decide, a cost increase commits money from the grant's window; the view's
 * endsAt, amendments and reportsDue.
 */

const FY = 2027;
const APPROVED_AT = '2026-11-28T10:00:00.000Z';
let t: TestApp;
let w: Workflow;
let ben: string;
let paPartner: string;

beforeAll(async () => {
  t = await createTestApp({ env: { FOUR_EYES_THRESHOLD: '5000000' } });
  w = await Workflow.create(t);
  ben = await t.token('officer', { sub: 'officer-ben' });
  paPartner = await t.token('partner', { country: 'PA', sub: 'pa-csirt' });
  await w.allocate(FY, 'capacity_building', 100_000_000);
  await w.allocate(FY, 'rapid_response', 10_000_000);
});
afterAll(async () => {
  await t.close();
});

/** A CR capacity grant of 3,000,000 cents over 12 months, in two tranches (1,000,000 and 2,000,000). */
async function capacityGrant(): Promise<string> {
  const id = await w.underReview(capacityBody({}, { durationMonths: 12 }));
  const approved = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 3_000_000 });
  expect(approved.statusCode).toBe(200);
  return id;
}

const propose = (id: string, body: unknown, token = w.tokens.partner) => w.post(token, `/v1/aid-requests/${id}/amendments`, body);
const approveAmendment = (id: string, amendmentId: string, token = w.tokens.officer) => w.post(token, `/v1/aid-requests/${id}/amendments/${amendmentId}/approve`, {});
const rejectAmendment = (id: string, amendmentId: string, token = w.tokens.officer) =>
  w.post(token, `/v1/aid-requests/${id}/amendments/${amendmentId}/reject`, { reason: 'Not within the programme.' });

describe('the grant period and reporting schedule in the view', () => {
  it('a capacity grant ends durationMonths after approval and has its first report due one interval (P3M) after it', async () => {
    const id = await capacityGrant();
    const view = await w.view(id);
    expect(view.endsAt).toBe('2027-11-28T10:00:00.000Z');
    expect(view.amendments).toEqual([]);
    expect(view.reportsDue).toEqual([{ dueAt: '2027-02-28T10:00:00.000Z', status: 'due' }]);
    // A progress report covers the oldest date not yet received; the next one shows as due.
    expect((await w.post(w.tokens.partner, `/v1/aid-requests/${id}/reports`, { summary: 'Two analysts hired.' })).statusCode).toBe(200);
    expect((await w.view(id)).reportsDue).toEqual([
      { dueAt: '2027-02-28T10:00:00.000Z', status: 'received' },
      { dueAt: '2027-05-28T10:00:00.000Z', status: 'due' },
    ]);
  });

  it('a rapid-response grant ends three months after approval and has no reports due; before approval both are empty', async () => {
    const id = await w.underReview();
    const before = await w.view(id);
    expect(before.endsAt).toBeNull();
    expect(before.reportsDue).toEqual([]);
    const approved = (await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000 })).json();
    expect(approved.endsAt).toBe('2027-02-28T10:00:00.000Z');
    expect(approved.reportsDue).toEqual([]);
  });

  it('views stored before these fields existed get them from the migration: endsAt as the projection computes it, no amendments, no reports due', async () => {
    const capacity = await capacityGrant();
    const rapid = await w.underReview();
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${rapid}/approve`, { amountApproved: 1_000_000 })).statusCode).toBe(200);
    const pending = await w.underReview();
    const ids = [capacity, rapid, pending];
    const expected = await Promise.all(ids.map(async (id) => (await w.view(id)).endsAt));
    await t.pool.query(`UPDATE aid_request_views SET view = (view::jsonb - 'endsAt' - 'amendments' - 'reportsDue')::json WHERE id = ANY($1)`, [ids]);
    await new GrantPeriodInViews1795852800520().up({ query: (sql: string) => t.pool.query(sql) } as unknown as QueryRunner);
    for (const [i, id] of ids.entries()) {
      const view = await w.view(id);
      expect({ id, endsAt: view.endsAt, amendments: view.amendments, reportsDue: view.reportsDue }).toEqual({ id, endsAt: expected[i], amendments: [], reportsDue: [] });
    }
    expect(expected[0]).toBe('2027-11-28T10:00:00.000Z');
    expect(expected[2]).toBeNull();
  });

  it('the sweep finds a grant whose next report date passed (its timer lost) and not one whose date is ahead', async () => {
    const id = await capacityGrant();
    const views = t.app.get(AidRequestViewStore);
    const after = await views.findMissedDeadlines(new Date('2027-03-01T00:00:00Z'), 1000);
    expect(after).toContainEqual({ id, deadline: 'report', dueAt: '2027-02-28T10:00:00.000Z' });
    const before = await views.findMissedDeadlines(new Date('2027-02-01T00:00:00Z'), 1000);
    expect(before.filter((m) => m.id === id)).toEqual([]);
  });
});

describe('POST /v1/aid-requests/:id/amendments', () => {
  it('the partner proposes each type: 201 with the amendment, listed in the view oldest first', async () => {
    const id = await capacityGrant();
    const proposed = await propose(id, { type: 'no_cost_extension', months: 6, reason: 'Hiring took longer than planned.' });
    expect(proposed.statusCode).toBe(201);
    const amendment = proposed.json();
    expect(amendment).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/),
      type: 'no_cost_extension',
      status: 'proposed',
      reason: 'Hiring took longer than planned.',
      proposedAt: APPROVED_AT,
      decidedAt: null,
      months: 6,
    });
    expect((await w.view(id)).amendments).toEqual([amendment]);

    const approved = await approveAmendment(id, amendment.id);
    expect(approved.statusCode).toBe(200);
    expect(approved.json().endsAt).toBe('2028-05-28T10:00:00.000Z');
    expect(approved.json().amendments).toEqual([{ ...amendment, status: 'approved', decidedAt: APPROVED_AT }]);

    const scope = await propose(id, { type: 'scope_change', description: 'Add a malware analysis lab.', reason: 'Needs found.' });
    expect(scope.statusCode).toBe(201);
    expect(scope.json()).toMatchObject({ type: 'scope_change', description: 'Add a malware analysis lab.', status: 'proposed' });
    expect((await rejectAmendment(id, scope.json().id)).json().amendments.map((a: { status: string }) => a.status)).toEqual(['approved', 'rejected']);
  });

  it('with an Idempotency-Key, a retry gets the same amendment back (201, marked replayed) and proposes nothing more', async () => {
    const id = await capacityGrant();
    const body = { type: 'scope_change', description: 'Add a malware analysis lab.', reason: 'Needs found.' };
    const first = await w.post(w.tokens.partner, `/v1/aid-requests/${id}/amendments`, body, { 'idempotency-key': 'amend-1' });
    const again = await w.post(w.tokens.partner, `/v1/aid-requests/${id}/amendments`, body, { 'idempotency-key': 'amend-1' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await w.view(id)).amendments).toHaveLength(1);
  });

  it('one open amendment per grant: another is 409 with its own type', async () => {
    const id = await capacityGrant();
    expect((await propose(id, { type: 'scope_change', description: 'A second lab.', reason: 'Demand.' })).statusCode).toBe(201);
    const second = await propose(id, { type: 'no_cost_extension', months: 1, reason: 'Delays.' });
    expect(second.statusCode).toBe(409);
    expect(second.json().type).toMatch(/amendment.open_exists$/);
  });

  it('refuses a grant that is not approved (409), another country’s request (404), and any role but the partner (403)', async () => {
    const underReview = await w.underReview();
    const early = await propose(underReview, { type: 'no_cost_extension', months: 1, reason: 'Delays.' });
    expect(early.statusCode).toBe(409);
    expect(early.json().type).toMatch(/aid_request.wrong_status$/);
    const id = await capacityGrant();
    expect((await propose(id, { type: 'no_cost_extension', months: 1, reason: 'Delays.' }, paPartner)).statusCode).toBe(404);
    expect((await propose(id, { type: 'no_cost_extension', months: 1, reason: 'Delays.' }, w.tokens.officer)).statusCode).toBe(403);
  });

  it('bad input is a 400 naming the field', async () => {
    const id = await capacityGrant();
    const cases: [unknown, string][] = [
      [{ type: 'no_cost_extension', months: 25, reason: 'Delays.' }, 'months'],
      [{ type: 'no_cost_extension', reason: 'Delays.' }, 'months'],
      [{ type: 'cost_increase', amount: 0, reason: 'More staff.' }, 'amount'],
      [{ type: 'cost_increase', amount: 5, months: 2, reason: 'More staff.' }, 'months'],
      [{ type: 'scope_change', reason: 'New scope.' }, 'description'],
      [{ type: 'budget_revision', tranches: [], reason: 'Re-split.' }, 'tranches'],
      [{ type: 'extension', months: 2, reason: 'Delays.' }, 'type'],
      [{ type: 'no_cost_extension', months: 2 }, 'reason'],
      // What is not yet disbursed is 3,000,000: a revision must re-split exactly that.
      [{ type: 'budget_revision', tranches: [{ amount: 1_000_000 }, { amount: 1_000_000 }], reason: 'Re-split.' }, 'tranches'],
    ];
    for (const [body, field] of cases) {
      const response = await propose(id, body);
      expect({ body, status: response.statusCode }).toEqual({ body, status: 400 });
      expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await w.view(id)).amendments).toEqual([]);
  });

  it('a budget revision replaces the tranches not yet disbursed, renumbered after the disbursed ones', async () => {
    const id = await capacityGrant();
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/tranches/1/release`)).statusCode).toBe(200);
    // (While tranche 1 is released and not yet paid a revision is refused: the decider tests show it.)
    await expectEventually(async () => (await w.view(id)).tranches[0].status === 'disbursed');
    const revision = await propose(id, { type: 'budget_revision', tranches: [{ amount: 500_000 }, { amount: 700_000 }, { amount: 800_000 }], reason: 'Three phases.' });
    expect(revision.statusCode).toBe(201);
    expect(revision.json().tranches).toEqual([{ amount: 500_000 }, { amount: 700_000 }, { amount: 800_000 }]);
    const approved = (await approveAmendment(id, revision.json().id)).json();
    expect(approved.amountApproved).toBe(3_000_000);
    expect(approved.tranches).toEqual([
      { number: 1, amount: 1_000_000, status: 'disbursed' },
      { number: 2, amount: 500_000, status: 'pending' },
      { number: 3, amount: 700_000, status: 'pending' },
      { number: 4, amount: 800_000, status: 'pending' },
    ]);
  });
});

describe('cost increases and the fund', () => {
  it('below the four-eyes threshold one officer approves: amountApproved and the last pending tranche grow, the window commits it', async () => {
    const id = await capacityGrant();
    const before = (await w.fund(FY)).windows.capacity_building;
    const proposed = await propose(id, { type: 'cost_increase', amount: 1_000_000, reason: 'Exchange rate.' });
    expect(proposed.json()).toMatchObject({ type: 'cost_increase', amount: 1_000_000 });
    const approved = (await approveAmendment(id, proposed.json().id)).json();
    expect(approved.amountApproved).toBe(4_000_000);
    expect(approved.tranches).toEqual([
      { number: 1, amount: 1_000_000, status: 'pending' },
      { number: 2, amount: 3_000_000, status: 'pending' },
    ]);
    expect(approved.amendments[0]).toMatchObject({ status: 'approved', decidedAt: APPROVED_AT });
    const after = (await w.fund(FY)).windows.capacity_building;
    expect(after.committed - before.committed).toBe(1_000_000);
  });

  it('at or above the threshold on the new total: the first approval reserves, the same officer cannot give the second, another officer completes it', async () => {
    const id = await capacityGrant();
    const before = (await w.fund(FY)).windows.capacity_building;
    const { id: amendmentId } = (await propose(id, { type: 'cost_increase', amount: 2_000_000, reason: 'A second team.' })).json();
    const first = (await approveAmendment(id, amendmentId)).json();
    expect(first.amountApproved).toBe(3_000_000);
    expect(first.amendments[0]).toMatchObject({ status: 'awaiting_second_approval', decidedAt: null });
    expect((await w.fund(FY)).windows.capacity_building.committed - before.committed).toBe(2_000_000);
    const again = await approveAmendment(id, amendmentId);
    expect(again.statusCode).toBe(409);
    expect(again.json().type).toMatch(/amendment.four_eyes$/);
    const second = (await approveAmendment(id, amendmentId, ben)).json();
    expect(second.amountApproved).toBe(5_000_000);
    expect(second.amendments[0].status).toBe('approved');
    expect((await w.fund(FY)).windows.capacity_building.committed - before.committed).toBe(2_000_000);
    const decided = await approveAmendment(id, amendmentId, ben);
    expect(decided.statusCode).toBe(409);
    expect(decided.json().type).toMatch(/amendment.already_decided$/);
  });

  it('rejecting a reserved increase gives back only the increase', async () => {
    const id = await capacityGrant();
    const before = (await w.fund(FY)).windows.capacity_building;
    const { id: amendmentId } = (await propose(id, { type: 'cost_increase', amount: 2_500_000, reason: 'A second team.' })).json();
    expect((await approveAmendment(id, amendmentId)).json().amendments[0].status).toBe('awaiting_second_approval');
    const rejected = (await rejectAmendment(id, amendmentId, ben)).json();
    expect(rejected.amountApproved).toBe(3_000_000);
    expect(rejected.amendments[0]).toMatchObject({ status: 'rejected', decidedAt: APPROVED_AT });
    expect((await w.fund(FY)).windows.capacity_building).toEqual(before);
  });

  it('409 when the window lacks the money, and the amendment stays proposed', async () => {
    const id = await capacityGrant();
    const { available } = (await w.fund(FY)).windows.capacity_building;
    const { id: amendmentId } = (await propose(id, { type: 'cost_increase', amount: available + 1, reason: 'Everything.' })).json();
    const refused = await approveAmendment(id, amendmentId);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().type).toMatch(/fund.insufficient_funds$/);
    expect((await w.view(id)).amendments[0].status).toBe('proposed');
  });

  it('an unknown amendment is 404, a malformed id too', async () => {
    const id = await capacityGrant();
    for (const amendmentId of ['0192f0a0-1111-7000-8000-000000000009', 'not-an-id']) {
      const response = await approveAmendment(id, amendmentId);
      expect(response.statusCode).toBe(404);
      expect(response.json().type).toMatch(/amendment.not_found$/);
    }
    expect((await w.post(w.tokens.officer, `/v1/aid-requests/${id}/amendments/0192f0a0-1111-7000-8000-000000000009/reject`, { reason: 'Not needed.' })).statusCode).toBe(404);
  });
});

async function expectEventually(check: () => Promise<boolean>): Promise<void> {
  await eventually(async () => ((await check()) ? true : undefined));
}
