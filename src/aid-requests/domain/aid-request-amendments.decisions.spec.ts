import { fold } from '@app/event-store/decider';
import { DeciderSpecification } from '@app/testing';
import type { CommandContext } from '../../kernel/command-context';
import { fundCommandFor } from '../aid-request.funding';
import type { ApproveAmendment, CheckReports, ProposeAmendment, RejectAmendment } from './amendment.commands';
import type { AmendmentApproved, AmendmentProposed, AmendmentRejected, ReportOverdue } from './amendment.events';
import type { AmendmentTerms } from './amendment.state';
import { aidRequestDecider } from './aid-request.decider';
import type { AidRequestEvent, AidRequestFiled, GrantApproved, TrancheData } from './aid-request.events';
import { reportsDue } from './reporting-schedule';

/*
 * Given/When/Then for the grant's life after approval (docs/api.md, "Amendments" and "Reporting
 * schedule"): every rule and every refusal of ProposeAmendment, ApproveAmendment, RejectAmendment
 * and CheckReports, what each asks of the fund, and the view's report schedule.
 */

const spec = DeciderSpecification.for(aidRequestDecider);

const REQUEST_ID = '019ac9a0-0000-7000-8000-00000000e001';
const AMENDMENT_ID = '019ac9a0-0000-7000-8000-00000000a001';
const OTHER_AMENDMENT_ID = '019ac9a0-0000-7000-8000-00000000a002';
const APPROVED_AT = '2027-01-31T10:00:00.000Z';
const AT = '2027-03-01T09:00:00.000Z';
const THRESHOLD = 5_000_000n;
const FY = 2027;

type Actor = CommandContext['actor'];
const ana: Actor = { sub: 'officer-ana', role: 'officer' };
const ben: Actor = { sub: 'officer-ben', role: 'officer' };
const crPartner: Actor = { sub: 'cr-csirt', role: 'partner', country: 'CR' };
const paPartner: Actor = { sub: 'pa-csirt', role: 'partner', country: 'PA' };
const auditor: Actor = { sub: 'auditor-ines', role: 'auditor' };
const system: Actor = { sub: 'system', role: 'system' };
const ctx = (actor: Actor, at = AT): CommandContext => ({ actor, now: new Date(at) });

// ---------------------------------------------------------------------------------------------
// Histories
// ---------------------------------------------------------------------------------------------

function filed(kind: 'capacity_building' | 'incident_response' = 'capacity_building'): AidRequestFiled {
  const common = {
    requestId: REQUEST_ID,
    country: 'CR',
    title: 'National CSIRT staffing',
    description: 'Stand up and staff a national CSIRT.',
    actionArea: 'partner_capacity' as const,
    amountRequested: '10000000',
    contact: null,
    filedBy: crPartner.sub,
    filedAt: '2027-01-10T10:00:00.000Z',
  };
  return kind === 'capacity_building'
    ? { type: 'AidRequestFiled', data: { ...common, kind, capacity: { durationMonths: 12, sectors: ['telecom'], milestones: [] } } }
    : { type: 'AidRequestFiled', data: { ...common, kind, incident: { severity: 'high', ongoing: true, detectedAt: '2027-01-10T08:00:00.000Z', sectors: [] } } };
}

const tranchesOf = (...amounts: bigint[]): TrancheData[] => amounts.map((amount, i) => ({ number: i + 1, amount: amount.toString() }));

/** A 3,000,000-cent grant in two tranches (1,000,000 + 2,000,000), approved by Ana on 31 January. */
function approvedHistory(kind: 'capacity_building' | 'incident_response' = 'capacity_building'): AidRequestEvent[] {
  const window = kind === 'capacity_building' ? 'capacity_building' : 'rapid_response';
  const granted: GrantApproved = {
    type: 'GrantApproved',
    data: {
      requestId: REQUEST_ID,
      amountApproved: '3000000',
      tranches: tranchesOf(1_000_000n, 2_000_000n),
      fiscalYear: FY,
      window,
      approvals: [ana.sub],
      approvedAt: APPROVED_AT,
      ...(kind === 'capacity_building' ? { reportingInterval: 'P3M' } : {}),
    },
  };
  return [
    filed(kind),
    { type: 'AidRequestTriaged', data: { requestId: REQUEST_ID, track: window, priority: 4, reasons: [], acknowledgeBy: '2027-01-15T10:00:00.000Z', decideBy: '2027-02-25T10:00:00.000Z', source: { kind: 'policy' }, triagedAt: '2027-01-10T10:00:01.000Z' } },
    { type: 'AidRequestClaimed', data: { requestId: REQUEST_ID, officer: ana.sub, claimedAt: '2027-01-11T10:00:00.000Z', acknowledgedInTime: true } },
    { type: 'ApprovalRecorded', data: { requestId: REQUEST_ID, officer: ana.sub, amountApproved: '3000000', tranches: tranchesOf(1_000_000n, 2_000_000n), fiscalYear: FY, window, awaitingSecondApproval: false, approvedAt: APPROVED_AT } },
    granted,
  ];
}

const released = (tranche: number, amount: bigint): AidRequestEvent => ({
  type: 'TrancheReleased',
  data: { requestId: REQUEST_ID, tranche, amount: amount.toString(), fiscalYear: FY, window: 'capacity_building', releasedBy: ana.sub, releasedAt: '2027-02-01T09:00:00.000Z' },
});
const disbursed = (tranche: number, amount: bigint): AidRequestEvent => ({
  type: 'TrancheDisbursed',
  data: { requestId: REQUEST_ID, tranche, amount: amount.toString(), fiscalYear: FY, window: 'capacity_building', disbursedAt: '2027-02-01T09:05:00.000Z' },
});

function proposed(terms: AmendmentProposed['data']['terms'], id = AMENDMENT_ID, at = '2027-02-20T10:00:00.000Z'): AmendmentProposed {
  return { type: 'AmendmentProposed', data: { requestId: REQUEST_ID, amendmentId: id, terms, reason: 'Hiring took longer.', proposedBy: crPartner.sub, proposedAt: at } };
}
function approvedAmendment(effect: AmendmentApproved['data']['effect'], officer: Actor = ana, awaiting = false, approvals = [officer.sub], id = AMENDMENT_ID): AmendmentApproved {
  return { type: 'AmendmentApproved', data: { requestId: REQUEST_ID, amendmentId: id, officer: officer.sub, awaitingSecondApproval: awaiting, approvals, effect, reason: null, approvedAt: AT } };
}
const increaseEffect = (amount: bigint, total: bigint, tranches: TrancheData[]): AmendmentApproved['data']['effect'] => ({
  type: 'cost_increase',
  amount: amount.toString(),
  amountApproved: total.toString(),
  fiscalYear: FY,
  window: 'capacity_building',
  tranches,
});

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

const propose = (terms: AmendmentTerms, actor: Actor = crPartner, id = AMENDMENT_ID, reason = 'Hiring took longer.'): ProposeAmendment => ({
  type: 'ProposeAmendment',
  data: { amendmentId: id, terms, reason },
  context: ctx(actor, '2027-02-20T10:00:00.000Z'),
});
const approve = (actor: Actor = ana, id = AMENDMENT_ID): ApproveAmendment => ({
  type: 'ApproveAmendment',
  data: { amendmentId: id, reason: null },
  policy: { fourEyesThreshold: THRESHOLD, highRiskMaxTranchePercent: 25 },
  context: ctx(actor),
});
const reject = (actor: Actor = ben, id = AMENDMENT_ID): RejectAmendment => ({ type: 'RejectAmendment', data: { amendmentId: id, reason: 'Out of scope.' }, context: ctx(actor) });
const checkReports = (at: string, actor: Actor = system): CheckReports => ({ type: 'CheckReports', context: ctx(actor, at) });

const stateAfter = (events: readonly AidRequestEvent[]) => fold(aidRequestDecider, events);
function grantOf(events: readonly AidRequestEvent[]) {
  const state = stateAfter(events);
  if (state.status !== 'approved') throw new Error(`expected an approved grant, got ${state.status}`);
  return state;
}

// ---------------------------------------------------------------------------------------------

describe('the grant period (endsAt)', () => {
  it('a capacity grant ends durationMonths after approval; from 31 January the day clamps to the month’s last', () => {
    expect(grantOf(approvedHistory()).grant.endsAt).toBe('2028-01-31T10:00:00.000Z');
    const march = approvedHistory().map((e) => (e.type === 'GrantApproved' ? { ...e, data: { ...e.data, approvedAt: '2027-11-30T10:00:00.000Z' } } : e));
    expect(grantOf(march).grant.endsAt).toBe('2028-11-30T10:00:00.000Z');
  });

  it('a rapid-response grant ends three months after approval (31 January → 30 April)', () => {
    expect(grantOf(approvedHistory('incident_response')).grant.endsAt).toBe('2027-04-30T10:00:00.000Z');
  });
});

describe('ProposeAmendment', () => {
  it('the partner proposes each of the four types on an approved grant: AmendmentProposed with its terms', () => {
    const cases: [AmendmentTerms, AmendmentProposed['data']['terms']][] = [
      [{ type: 'no_cost_extension', months: 6 }, { type: 'no_cost_extension', months: 6 }],
      [{ type: 'budget_revision', tranches: [1_500_000n, 1_500_000n] }, { type: 'budget_revision', tranches: [{ amount: '1500000' }, { amount: '1500000' }] }],
      [{ type: 'cost_increase', amount: 500_000n }, { type: 'cost_increase', amount: '500000' }],
      [{ type: 'scope_change', description: 'Add a lab.' }, { type: 'scope_change', description: 'Add a lab.' }],
    ];
    for (const [terms, data] of cases) spec.given(approvedHistory()).when(propose(terms)).then([proposed(data)]);
  });

  it('refuses a grant that is not approved: wrong status (before approval, and once closed)', () => {
    const beforeApproval = approvedHistory().slice(0, 3);
    spec.given(beforeApproval).when(propose({ type: 'no_cost_extension', months: 1 })).thenFails('aid_request.wrong_status');
    const closed: AidRequestEvent[] = [
      ...approvedHistory(),
      released(1, 1_000_000n),
      disbursed(1, 1_000_000n),
      released(2, 2_000_000n),
      disbursed(2, 2_000_000n),
      { type: 'ProgressReported', data: { requestId: REQUEST_ID, summary: 'Done.', final: true, reportedBy: crPartner.sub, reportedAt: AT } },
      { type: 'GrantClosed', data: { requestId: REQUEST_ID, closedAt: AT } },
    ];
    spec.given(closed).when(propose({ type: 'no_cost_extension', months: 1 })).thenFails('aid_request.wrong_status');
  });

  it('another country’s partner finds no request; an officer or auditor may not propose', () => {
    spec.given(approvedHistory()).when(propose({ type: 'no_cost_extension', months: 1 }, paPartner)).thenFails('aid_request.not_found');
    spec.given(approvedHistory()).when(propose({ type: 'no_cost_extension', months: 1 }, ana)).thenFails('amendment.partner_only');
    spec.given(approvedHistory()).when(propose({ type: 'no_cost_extension', months: 1 }, auditor)).thenFails('amendment.partner_only');
  });

  it('one open amendment per grant: a proposed or half-approved one blocks another; a decided one does not', () => {
    const open = [...approvedHistory(), proposed({ type: 'scope_change', description: 'A lab.' })];
    spec.given(open).when(propose({ type: 'no_cost_extension', months: 1 }, crPartner, OTHER_AMENDMENT_ID)).thenFails('amendment.open_exists');
    const halfApproved = [...approvedHistory(), proposed({ type: 'cost_increase', amount: '3000000' }), approvedAmendment(increaseEffect(3_000_000n, 6_000_000n, tranchesOf(1_000_000n, 5_000_000n)), ana, true)];
    spec.given(halfApproved).when(propose({ type: 'no_cost_extension', months: 1 }, crPartner, OTHER_AMENDMENT_ID)).thenFails('amendment.open_exists');
    const decided = [...open, approvedAmendment({ type: 'scope_change', description: 'A lab.' })];
    spec
      .given(decided)
      .when(propose({ type: 'no_cost_extension', months: 1 }, crPartner, OTHER_AMENDMENT_ID))
      .then([proposed({ type: 'no_cost_extension', months: 1 }, OTHER_AMENDMENT_ID)]);
  });

  it('invalid terms are refused naming the field: months 1–24, positive amounts, a description, a reason', () => {
    const cases: [AmendmentTerms, string][] = [
      [{ type: 'no_cost_extension', months: 0 }, 'months'],
      [{ type: 'no_cost_extension', months: 25 }, 'months'],
      [{ type: 'no_cost_extension', months: 1.5 }, 'months'],
      [{ type: 'cost_increase', amount: 0n }, 'amount'],
      [{ type: 'budget_revision', tranches: [] }, 'tranches'],
      [{ type: 'budget_revision', tranches: [3_000_000n, 0n] }, 'tranches'],
      [{ type: 'scope_change', description: '  ' }, 'description'],
    ];
    for (const [terms, field] of cases) {
      spec.given(approvedHistory()).when(propose(terms)).thenFails('aid_request.invalid', (error) => expect(error.fieldProblems.map((p) => p.field)).toEqual([field]));
    }
    spec
      .given(approvedHistory())
      .when(propose({ type: 'scope_change', description: 'A lab.' }, crPartner, AMENDMENT_ID, ' '))
      .thenFails('aid_request.invalid', (error) => expect(error.fieldProblems.map((p) => p.field)).toEqual(['reason']));
  });

  it('a budget revision must re-split exactly what is not yet disbursed (disbursed tranches stay as they are)', () => {
    spec
      .given(approvedHistory())
      .when(propose({ type: 'budget_revision', tranches: [1_000_000n, 1_000_000n] }))
      .thenFails('aid_request.invalid', (error) => {
        expect(error.fieldProblems).toEqual([{ field: 'tranches', message: 'tranche amounts sum to 2000000, but 3000000 cents are not yet disbursed' }]);
      });
    const oneDisbursed = [...approvedHistory(), released(1, 1_000_000n), disbursed(1, 1_000_000n)];
    spec
      .given(oneDisbursed)
      .when(propose({ type: 'budget_revision', tranches: [500_000n, 1_500_000n] }))
      .then([proposed({ type: 'budget_revision', tranches: [{ amount: '500000' }, { amount: '1500000' }] })]);
    spec.given(oneDisbursed).when(propose({ type: 'budget_revision', tranches: [3_000_000n] })).thenFails('aid_request.invalid');
  });

  it('a budget revision waits while a tranche is released and not yet paid', () => {
    spec
      .given([...approvedHistory(), released(1, 1_000_000n)])
      .when(propose({ type: 'budget_revision', tranches: [3_000_000n] }))
      .thenFails('amendment.tranche_in_flight');
  });
});

describe('ApproveAmendment', () => {
  it('a no-cost extension moves endsAt by its months, counted from approval (end of month kept)', () => {
    const history = [...approvedHistory(), proposed({ type: 'no_cost_extension', months: 1 })];
    spec.given(history).when(approve()).then([approvedAmendment({ type: 'no_cost_extension', endsAt: '2028-02-29T10:00:00.000Z' })]);
    // A second extension counts from approval too: 12 + 1 + 2 months after 31 January is 30 April.
    const second = [...history, approvedAmendment({ type: 'no_cost_extension', endsAt: '2028-02-29T10:00:00.000Z' }), proposed({ type: 'no_cost_extension', months: 2 }, OTHER_AMENDMENT_ID)];
    spec.given(second).when(approve(ana, OTHER_AMENDMENT_ID)).then([approvedAmendment({ type: 'no_cost_extension', endsAt: '2028-04-30T10:00:00.000Z' }, ana, false, [ana.sub], OTHER_AMENDMENT_ID)]);
    expect(grantOf([...second, approvedAmendment({ type: 'no_cost_extension', endsAt: '2028-04-30T10:00:00.000Z' }, ana, false, [ana.sub], OTHER_AMENDMENT_ID)]).grant.endsAt).toBe('2028-04-30T10:00:00.000Z');
  });

  it('a scope change records the new description', () => {
    spec.given([...approvedHistory(), proposed({ type: 'scope_change', description: 'A lab.' })]).when(approve()).then([approvedAmendment({ type: 'scope_change', description: 'A lab.' })]);
  });

  it('a budget revision keeps disbursed tranches and numbers the new ones after them, all pending', () => {
    const history = [...approvedHistory(), released(1, 1_000_000n), disbursed(1, 1_000_000n), proposed({ type: 'budget_revision', tranches: [{ amount: '500000' }, { amount: '1500000' }] })];
    const effect = { type: 'budget_revision' as const, tranches: [{ number: 1, amount: '1000000' }, { number: 2, amount: '500000' }, { number: 3, amount: '1500000' }] };
    spec.given(history).when(approve()).then([approvedAmendment(effect)]);
    expect(grantOf([...history, approvedAmendment(effect)]).grant.tranches).toEqual([
      { number: 1, amount: 1_000_000n, status: 'disbursed', reportedSince: false },
      { number: 2, amount: 500_000n, status: 'pending' },
      { number: 3, amount: 1_500_000n, status: 'pending' },
    ]);
  });

  it('a budget revision whose grant changed since the proposal (a tranche paid, or one in flight) is refused', () => {
    const proposedRevision = proposed({ type: 'budget_revision', tranches: [{ amount: '3000000' }] });
    spec.given([...approvedHistory(), proposedRevision, released(1, 1_000_000n)]).when(approve()).thenFails('amendment.tranche_in_flight');
    spec.given([...approvedHistory(), proposedRevision, released(1, 1_000_000n), disbursed(1, 1_000_000n)]).when(approve()).thenFails('amendment.budget_changed');
  });

  it('a cost increase below the threshold on the new total: one officer; it joins the last pending tranche and amountApproved grows', () => {
    const history = [...approvedHistory(), proposed({ type: 'cost_increase', amount: '1000000' })];
    const effect = increaseEffect(1_000_000n, 4_000_000n, tranchesOf(1_000_000n, 3_000_000n));
    spec.given(history).when(approve()).then([approvedAmendment(effect)]);
    const after = grantOf([...history, approvedAmendment(effect)]);
    expect(after.grant.amountApproved).toBe(4_000_000n);
    expect(after.grant.tranches.map((t) => t.amount)).toEqual([1_000_000n, 3_000_000n]);
    expect(fundCommandFor([approvedAmendment(effect)], ctx(ana))).toEqual({
      type: 'IncreaseCommitment',
      data: { fiscalYear: FY, window: 'capacity_building', requestId: REQUEST_ID, amount: 1_000_000n },
      context: ctx(ana),
    });
  });

  it('a cost increase when no tranche is pending (one released, one paid) becomes a tranche of its own', () => {
    const history = [...approvedHistory(), released(1, 1_000_000n), disbursed(1, 1_000_000n), released(2, 2_000_000n), proposed({ type: 'cost_increase', amount: '1000000' })];
    spec.given(history).when(approve()).then([approvedAmendment(increaseEffect(1_000_000n, 4_000_000n, tranchesOf(1_000_000n, 2_000_000n, 1_000_000n)))]);
    const after = grantOf([...history, approvedAmendment(increaseEffect(1_000_000n, 4_000_000n, tranchesOf(1_000_000n, 2_000_000n, 1_000_000n)))]);
    expect(after.grant.tranches.map((t) => t.status)).toEqual(['disbursed', 'released', 'pending']);
  });

  it('a cost increase bringing the total to the threshold: the first approval reserves and waits; a second, different officer applies it', () => {
    const history = [...approvedHistory(), proposed({ type: 'cost_increase', amount: '2000000' })];
    const effect = increaseEffect(2_000_000n, 5_000_000n, tranchesOf(1_000_000n, 4_000_000n));
    spec.given(history).when(approve()).then([approvedAmendment(effect, ana, true)]);
    const waiting = [...history, approvedAmendment(effect, ana, true)];
    const state = grantOf(waiting);
    expect(state.grant.amountApproved).toBe(3_000_000n);
    expect(state.grant.amendments[0]?.status).toBe('awaiting_second_approval');
    expect(fundCommandFor([approvedAmendment(effect, ana, true)], ctx(ana))?.type).toBe('IncreaseCommitment');

    spec.given(waiting).when(approve(ana)).thenFails('amendment.four_eyes');
    spec.given(waiting).when(approve(ben)).then([approvedAmendment(effect, ben, false, [ana.sub, ben.sub])]);
    // The second approval confirms money the first already committed.
    expect(fundCommandFor([approvedAmendment(effect, ben, false, [ana.sub, ben.sub])], ctx(ben))).toBeUndefined();
    expect(grantOf([...waiting, approvedAmendment(effect, ben, false, [ana.sub, ben.sub])]).grant.amountApproved).toBe(5_000_000n);
  });

  it('only an officer decides; an unknown amendment is not found; a decided one cannot be decided again', () => {
    const history = [...approvedHistory(), proposed({ type: 'scope_change', description: 'A lab.' })];
    spec.given(history).when(approve(crPartner)).thenFails('aid_request.officer_only');
    spec.given(history).when(approve(system)).thenFails('aid_request.officer_only');
    spec.given(history).when(approve(ana, OTHER_AMENDMENT_ID)).thenFails('amendment.not_found');
    spec.given(approvedHistory().slice(0, 3)).when(approve()).thenFails('amendment.not_found');
    spec.given([...history, approvedAmendment({ type: 'scope_change', description: 'A lab.' })]).when(approve(ben)).thenFails('amendment.already_decided');
    spec.given([...history, rejectedAmendment(null)]).when(approve(ben)).thenFails('amendment.already_decided');
  });
});

function rejectedAmendment(releasedMoney: AmendmentRejected['data']['released'], officer: Actor = ben): AmendmentRejected {
  return { type: 'AmendmentRejected', data: { requestId: REQUEST_ID, amendmentId: AMENDMENT_ID, officer: officer.sub, reason: 'Out of scope.', released: releasedMoney, rejectedAt: AT } };
}

describe('ReportProgress with an open amendment', () => {
  it('a final report may not close a grant while an amendment is open (it would strand a reserved increase); a progress report may', () => {
    const paid: AidRequestEvent[] = [...approvedHistory(), released(1, 1_000_000n), disbursed(1, 1_000_000n), released(2, 2_000_000n), disbursed(2, 2_000_000n)];
    const open = [...paid, proposed({ type: 'cost_increase', amount: '2000000' }), approvedAmendment(increaseEffect(2_000_000n, 5_000_000n, tranchesOf(1_000_000n, 2_000_000n, 2_000_000n)), ana, true)];
    const report = (final: boolean) => ({ type: 'ReportProgress' as const, data: { summary: 'Done.', final }, context: ctx(crPartner) });
    spec.given(open).when(report(true)).thenFails('amendment.open_at_close');
    spec.given(open).when(report(false)).then([{ type: 'ProgressReported', data: { requestId: REQUEST_ID, summary: 'Done.', final: false, reportedBy: crPartner.sub, reportedAt: AT } }]);
    const decided = [...open, rejectedAmendment({ fiscalYear: FY, window: 'capacity_building', amount: '2000000' })];
    spec
      .given(decided)
      .when(report(true))
      .then([
        { type: 'ProgressReported', data: { requestId: REQUEST_ID, summary: 'Done.', final: true, reportedBy: crPartner.sub, reportedAt: AT } },
        { type: 'GrantClosed', data: { requestId: REQUEST_ID, closedAt: AT } },
      ]);
  });
});

describe('RejectAmendment', () => {
  it('an officer rejects a proposed amendment; nothing was reserved, the grant is unchanged', () => {
    const history = [...approvedHistory(), proposed({ type: 'cost_increase', amount: '1000000' })];
    spec.given(history).when(reject()).then([rejectedAmendment(null)]);
    const after = grantOf([...history, rejectedAmendment(null)]);
    expect(after.grant.amountApproved).toBe(3_000_000n);
    expect(after.grant.amendments[0]).toMatchObject({ status: 'rejected', decidedAt: AT, decisionReason: 'Out of scope.' });
    expect(fundCommandFor([rejectedAmendment(null)], ctx(ben))).toBeUndefined();
  });

  it('rejecting a half-approved cost increase gives back only the reserved increase (any officer, the first approver too)', () => {
    const effect = increaseEffect(2_000_000n, 5_000_000n, tranchesOf(1_000_000n, 4_000_000n));
    const waiting = [...approvedHistory(), proposed({ type: 'cost_increase', amount: '2000000' }), approvedAmendment(effect, ana, true)];
    const money = { fiscalYear: FY, window: 'capacity_building' as const, amount: '2000000' };
    spec.given(waiting).when(reject(ana)).then([rejectedAmendment(money, ana)]);
    expect(fundCommandFor([rejectedAmendment(money)], ctx(ben))).toEqual({
      type: 'ReduceCommitment',
      data: { fiscalYear: FY, requestId: REQUEST_ID, amount: 2_000_000n, reason: 'amendment_rejected' },
      context: ctx(ben),
    });
  });

  it('only an officer rejects, a known and open amendment, with a reason', () => {
    const history = [...approvedHistory(), proposed({ type: 'scope_change', description: 'A lab.' })];
    spec.given(history).when(reject(crPartner)).thenFails('aid_request.officer_only');
    spec.given(history).when(reject(ben, OTHER_AMENDMENT_ID)).thenFails('amendment.not_found');
    spec.given([...history, rejectedAmendment(null)]).when(reject()).thenFails('amendment.already_decided');
    spec
      .given(history)
      .when({ ...reject(), data: { amendmentId: AMENDMENT_ID, reason: '' } })
      .thenFails('aid_request.invalid');
  });
});

describe('CheckReports and the report schedule', () => {
  const overdue = (dueAt: string, at = '2027-05-01T00:00:00.000Z'): ReportOverdue => ({ type: 'ReportOverdue', data: { requestId: REQUEST_ID, dueAt, detectedAt: at } });
  const report = (at: string): AidRequestEvent => ({ type: 'ProgressReported', data: { requestId: REQUEST_ID, summary: 'Progress.', final: false, reportedBy: crPartner.sub, reportedAt: at } });

  it('due dates fall every interval from approval, the day clamped at month ends (31 Jan → 30 Apr, 31 Jul, 31 Oct, 31 Jan)', () => {
    const { grant } = grantOf(approvedHistory());
    expect(reportsDue(grant, 0, true)).toEqual([{ dueAt: '2027-04-30T10:00:00.000Z', status: 'due' }]);
    expect(reportsDue({ ...grant, overdueReports: ['2027-04-30T10:00:00.000Z', '2027-07-31T10:00:00.000Z', '2027-10-31T10:00:00.000Z'] }, 0, true).map((r) => r.dueAt)).toEqual([
      '2027-04-30T10:00:00.000Z',
      '2027-07-31T10:00:00.000Z',
      '2027-10-31T10:00:00.000Z',
      '2028-01-31T10:00:00.000Z',
    ]);
  });

  it('nothing is missed before the first due date', () => {
    spec.given(approvedHistory()).when(checkReports('2027-04-30T09:59:59.000Z')).thenNothingHappens();
  });

  it('a due date passed without a report records ReportOverdue once; every missed one is recorded, oldest first', () => {
    spec.given(approvedHistory()).when(checkReports('2027-05-01T00:00:00.000Z')).then([overdue('2027-04-30T10:00:00.000Z')]);
    spec.given([...approvedHistory(), overdue('2027-04-30T10:00:00.000Z')]).when(checkReports('2027-05-01T00:00:00.000Z')).thenNothingHappens();
    spec
      .given(approvedHistory())
      .when(checkReports('2027-08-01T00:00:00.000Z'))
      .then([overdue('2027-04-30T10:00:00.000Z', '2027-08-01T00:00:00.000Z'), overdue('2027-07-31T10:00:00.000Z', '2027-08-01T00:00:00.000Z')]);
  });

  it('a report covers the oldest date not yet received, even an overdue one, and early reports cover later dates', () => {
    spec.given([...approvedHistory(), report('2027-04-01T00:00:00.000Z')]).when(checkReports('2027-05-01T00:00:00.000Z')).thenNothingHappens();
    const late = [...approvedHistory(), overdue('2027-04-30T10:00:00.000Z'), report('2027-05-02T00:00:00.000Z')];
    const { grant, reports } = grantOf(late);
    expect(reportsDue(grant, reports.length, true)).toEqual([
      { dueAt: '2027-04-30T10:00:00.000Z', status: 'received' },
      { dueAt: '2027-07-31T10:00:00.000Z', status: 'due' },
    ]);
    const { grant: early, reports: two } = grantOf([...approvedHistory(), report('2027-03-01T00:00:00.000Z'), report('2027-03-02T00:00:00.000Z')]);
    expect(reportsDue(early, two.length, true).map((r) => r.status)).toEqual(['received', 'received', 'due']);
  });

  it('no due date after endsAt: the schedule ends with the grant, and an extension adds dates', () => {
    const missedAll = checkReports('2029-01-01T00:00:00.000Z');
    const all = aidRequestDecider.decide(missedAll, stateAfter(approvedHistory()));
    expect(Array.isArray(all) && all.map((e) => (e as ReportOverdue).data.dueAt)).toEqual([
      '2027-04-30T10:00:00.000Z',
      '2027-07-31T10:00:00.000Z',
      '2027-10-31T10:00:00.000Z',
      '2028-01-31T10:00:00.000Z',
    ]);
    const extended = [
      ...approvedHistory(),
      proposed({ type: 'no_cost_extension', months: 3 }),
      approvedAmendment({ type: 'no_cost_extension', endsAt: '2028-04-30T10:00:00.000Z' }),
    ];
    const more = aidRequestDecider.decide(missedAll, stateAfter(extended));
    expect(Array.isArray(more) && more.length).toBe(5);
  });

  it('a rapid-response grant has no reports due; a closed or not-yet-approved request has nothing to check', () => {
    spec.given(approvedHistory('incident_response')).when(checkReports('2029-01-01T00:00:00.000Z')).thenNothingHappens();
    expect(reportsDue(grantOf(approvedHistory('incident_response')).grant, 0, true)).toEqual([]);
    spec.given(approvedHistory().slice(0, 3)).when(checkReports('2029-01-01T00:00:00.000Z')).thenNothingHappens();
  });

  it('only the reporting timers (system) check', () => {
    spec.given(approvedHistory()).when(checkReports('2027-05-01T00:00:00.000Z', ana)).thenFails('report.system_only');
  });
});

describe('amendments of a high-risk grant (due diligence)', () => {
  /** The 3,000,000-cent grant, approved under high risk by two officers, in four tranches of 750,000. */
  function highRiskHistory(): AidRequestEvent[] {
    const four = tranchesOf(750_000n, 750_000n, 750_000n, 750_000n);
    return approvedHistory().map((event) =>
      event.type === 'GrantApproved'
        ? { ...event, data: { ...event.data, tranches: four, dueDiligence: 'high' as const, approvals: [ana.sub, ben.sub] } }
        : event.type === 'ApprovalRecorded'
          ? { ...event, data: { ...event.data, tranches: four, dueDiligence: 'high' as const } }
          : event,
    );
  }

  it('a cost increase below FOUR_EYES_THRESHOLD still needs a second officer', () => {
    const history = [...highRiskHistory(), proposed({ type: 'cost_increase', amount: '100000' })];
    const decided = aidRequestDecider.decide(approve(), stateAfter(history));
    expect(Array.isArray(decided) && decided[0]?.type === 'AmendmentApproved' && decided[0].data.awaitingSecondApproval).toBe(true);
  });

  it('a cost increase keeps every pending tranche within the cap of the new total, splitting the last one; released and paid ones stay', () => {
    // Tranche 1 paid; 900,000 more makes 3,900,000 (cap 975,000): the last pending tranche (1,650,000) is split in two.
    const history = [...highRiskHistory(), released(1, 750_000n), disbursed(1, 750_000n), proposed({ type: 'cost_increase', amount: '900000' })];
    const tranches = [
      { number: 1, amount: '750000' },
      { number: 2, amount: '750000' },
      { number: 3, amount: '750000' },
      { number: 4, amount: '825000' },
      { number: 5, amount: '825000' },
    ];
    spec.given(history).when(approve()).then([approvedAmendment(increaseEffect(900_000n, 3_900_000n, tranches), ana, true)]);
  });

  it('a budget revision with a tranche above the cap is refused with /risk-limit', () => {
    const history = [...highRiskHistory(), proposed({ type: 'budget_revision', tranches: [{ amount: '2000000' }, { amount: '1000000' }] })];
    spec.given(history).when(approve()).thenFails('aid_request/risk-limit');
  });
});
