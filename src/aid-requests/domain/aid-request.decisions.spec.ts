import { DomainError, fold } from '@app/event-store/decider';
import { DeciderSpecification } from '@app/testing';
import type { TriageConfig } from './triage.policy';
import type { ApprovalPolicy, ApproveAidRequest, CheckSla, DisburseTranche, ProvideInformation, RejectAidRequest, ReleaseTranche, ReportProgress, RequestInformation, WithdrawAidRequest } from './aid-request.commands';
import { aidRequestDecider } from './aid-request.decider';
import type {
  AidRequestClaimed,
  AidRequestEvent,
  AidRequestFiled,
  AidRequestRejected,
  AidRequestTriaged,
  AidRequestWithdrawn,
  ApprovalRecorded,
  GrantApproved,
  InformationProvided,
  InformationRequested,
  ProgressReported,
  TrancheData,
  TrancheDisbursed,
  TrancheReleased,
} from './aid-request.events';
import { fundCommandFor } from '../aid-request.funding';
import type { Priority } from '../../kernel/priority';
import type { CommandContext } from '../../kernel/command-context';
import type { Track } from '../../kernel/track';
import type { DueDiligence, PartnerStanding } from '../../kernel/due-diligence';

/*
 * Given/When/Then for the officer decisions (docs/api.md, "Aid requests", the actions):
 * every action, and every refusal, of RequestInformation, ProvideInformation, ApproveAidRequest,
 * RejectAidRequest, WithdrawAidRequest, ReleaseTranche, DisburseTranche, ReportProgress, the decide
 * SLA around them, and what each decision asks of the fund (fundCommandFor).
 */

const spec = DeciderSpecification.for(aidRequestDecider);

const REQUEST_ID = '019ac9a0-0000-7000-8000-00000000d001';
const FILED_AT = '2026-11-28T10:00:00.000Z';
const THRESHOLD = 25_000_000n;
const policy: ApprovalPolicy = { fourEyesThreshold: THRESHOLD, fiscalYearStartMonth: 10, highRiskMaxTranchePercent: 25 };
/** The partner's standing most tests approve with: assessed low risk, valid for years. */
const LOW_RISK: PartnerStanding = { riskLevel: 'low', validUntil: '2030-01-01T00:00:00.000Z' };

const H = 3_600_000;
const D = 24 * H;
const triageConfig: TriageConfig = {
  sla: {
    1: { acknowledgeMs: 1 * H, decideMs: 24 * H },
    2: { acknowledgeMs: 4 * H, decideMs: 72 * H },
    3: { acknowledgeMs: 24 * H, decideMs: 7 * D },
    4: { acknowledgeMs: 5 * D, decideMs: 45 * D },
    5: { acknowledgeMs: 10 * D, decideMs: 90 * D },
  },
};

type Actor = CommandContext['actor'];
const ana: Actor = { sub: 'officer-ana', role: 'officer' };
const ben: Actor = { sub: 'officer-ben', role: 'officer' };
const crPartner: Actor = { sub: 'cr-csirt', role: 'partner', country: 'CR' };
const crColleague: Actor = { sub: 'cr-ministry', role: 'partner', country: 'CR' };
const paPartner: Actor = { sub: 'pa-csirt', role: 'partner', country: 'PA' };
const system: Actor = { sub: 'system', role: 'system' };

const iso = (at: string): string => new Date(at).toISOString();
const ctx = (actor: Actor, at: string): CommandContext => ({ actor, now: new Date(at) });

// ---------------------------------------------------------------------------------------------
// Event builders: the histories every test starts from.
// ---------------------------------------------------------------------------------------------

/** A critical, ongoing incident on government systems (priority 1), $500,000 requested. */
function filedIncident(amountRequested = 50_000_000n, filedAt = FILED_AT): AidRequestFiled {
  return {
    type: 'AidRequestFiled',
    data: {
      requestId: REQUEST_ID,
      country: 'CR',
      kind: 'incident_response',
      title: 'Ransomware on customs and tax systems',
      description: 'Customs and tax systems encrypted; operations halted since this morning.',
      actionArea: 'countering_threats',
      amountRequested: amountRequested.toString(),
      incident: { severity: 'critical', ongoing: true, detectedAt: '2026-11-27T08:00:00.000Z', sectors: ['government', 'finance'] },
      contact: { encrypted: { v: 1, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'c2VhbGVk', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' } },
      filedBy: 'cr-csirt',
      filedAt,
    },
  };
}

/** A capacity-building request with the given milestone amounts (the amount requested is their sum). */
function filedCapacity(milestones: readonly bigint[], filedAt = FILED_AT): AidRequestFiled {
  const total = milestones.reduce((sum, amount) => sum + amount, 0n);
  return {
    type: 'AidRequestFiled',
    data: {
      requestId: REQUEST_ID,
      country: 'CR',
      kind: 'capacity_building',
      title: 'National CSIRT',
      description: 'Stand up and staff a national CSIRT over two years.',
      actionArea: 'partner_capacity',
      amountRequested: total.toString(),
      capacity: {
        durationMonths: 24,
        sectors: ['telecom'],
        milestones: milestones.map((amount, i) => ({ title: `Milestone ${i + 1}`, amount: amount.toString() })),
      },
      contact: null,
      filedBy: 'cr-csirt',
      filedAt,
    },
  };
}

function triaged(
  options: { track?: Track; priority?: Priority; filedAt?: string; at?: string; source?: AidRequestTriaged['data']['source'] } = {},
): AidRequestTriaged {
  const priority = options.priority ?? 1;
  const filedAt = Date.parse(options.filedAt ?? FILED_AT);
  const sla = triageConfig.sla[priority];
  return {
    type: 'AidRequestTriaged',
    data: {
      requestId: REQUEST_ID,
      track: options.track ?? 'rapid_response',
      priority,
      reasons: ['incident of severity critical: rapid response, priority 1'],
      acknowledgeBy: new Date(filedAt + sla.acknowledgeMs).toISOString(),
      decideBy: new Date(filedAt + sla.decideMs).toISOString(),
      source: options.source ?? { kind: 'policy' },
      triagedAt: iso(options.at ?? '2026-11-28T10:00:05Z'),
    },
  };
}

function claimed(officer = ana.sub, at = '2026-11-28T10:30:00Z'): AidRequestClaimed {
  return { type: 'AidRequestClaimed', data: { requestId: REQUEST_ID, officer, claimedAt: iso(at), acknowledgedInTime: true } };
}

function informationRequested(at = '2026-11-28T12:00:00Z', officer = ana.sub): InformationRequested {
  return { type: 'InformationRequested', data: { requestId: REQUEST_ID, officer, question: 'Which systems are affected?', requestedAt: iso(at) } };
}

function informationProvided(at: string, pausedMs: number, decideBy: string): InformationProvided {
  return {
    type: 'InformationProvided',
    data: { requestId: REQUEST_ID, answer: 'Customs and tax.', providedBy: crPartner.sub, providedAt: iso(at), pausedMs, decideBy: iso(decideBy) },
  };
}

const tranchesOf = (...amounts: bigint[]): TrancheData[] => amounts.map((amount, i) => ({ number: i + 1, amount: amount.toString() }));

function approvalRecorded(
  amount: bigint,
  options: { officer?: string; awaiting?: boolean; tranches?: TrancheData[]; at?: string; fiscalYear?: number; window?: Track; dueDiligence?: DueDiligence } = {},
): ApprovalRecorded {
  return {
    type: 'ApprovalRecorded',
    data: {
      requestId: REQUEST_ID,
      officer: options.officer ?? ana.sub,
      amountApproved: amount.toString(),
      tranches: options.tranches ?? tranchesOf(amount),
      fiscalYear: options.fiscalYear ?? 2027,
      window: options.window ?? 'rapid_response',
      awaitingSecondApproval: options.awaiting ?? amount >= THRESHOLD,
      approvedAt: iso(options.at ?? '2026-11-28T14:00:00Z'),
      dueDiligence: options.dueDiligence ?? 'low',
    },
  };
}

function grantApproved(
  amount: bigint,
  options: { approvals?: string[]; tranches?: TrancheData[]; at?: string; fiscalYear?: number; window?: Track; dueDiligence?: DueDiligence } = {},
): GrantApproved {
  return {
    type: 'GrantApproved',
    data: {
      requestId: REQUEST_ID,
      amountApproved: amount.toString(),
      tranches: options.tranches ?? tranchesOf(amount),
      fiscalYear: options.fiscalYear ?? 2027,
      window: options.window ?? 'rapid_response',
      approvals: options.approvals ?? [ana.sub],
      approvedAt: iso(options.at ?? '2026-11-28T14:00:00Z'),
      dueDiligence: options.dueDiligence ?? 'low',
    },
  };
}

function trancheReleased(tranche: number, amount: bigint, at = '2026-11-29T09:00:00Z'): TrancheReleased {
  return {
    type: 'TrancheReleased',
    data: { requestId: REQUEST_ID, tranche, amount: amount.toString(), fiscalYear: 2027, window: 'rapid_response', releasedBy: ana.sub, releasedAt: iso(at) },
  };
}

function trancheDisbursed(tranche: number, amount: bigint, at = '2026-11-29T09:05:00Z'): TrancheDisbursed {
  return {
    type: 'TrancheDisbursed',
    data: { requestId: REQUEST_ID, tranche, amount: amount.toString(), fiscalYear: 2027, window: 'rapid_response', disbursedAt: iso(at) },
  };
}

function rejected(at = '2026-11-28T15:00:00Z', released: AidRequestRejected['data']['released'] = null): AidRequestRejected {
  return { type: 'AidRequestRejected', data: { requestId: REQUEST_ID, officer: ben.sub, reason: 'Out of scope.', rejectedAt: iso(at), released } };
}

function withdrawn(at = '2026-11-28T15:00:00Z', released: AidRequestWithdrawn['data']['released'] = null): AidRequestWithdrawn {
  return { type: 'AidRequestWithdrawn', data: { requestId: REQUEST_ID, withdrawnBy: crPartner.sub, reason: 'Solved locally.', withdrawnAt: iso(at), released } };
}

function progressReported(final: boolean, at = '2026-12-15T10:00:00Z'): ProgressReported {
  return { type: 'ProgressReported', data: { requestId: REQUEST_ID, summary: 'Systems restored.', final, reportedBy: crPartner.sub, reportedAt: iso(at) } };
}

// Histories, one per status.
const submitted = (): AidRequestEvent[] => [filedIncident()];
const triagedHistory = (): AidRequestEvent[] => [filedIncident(), triaged()];
const underReview = (): AidRequestEvent[] => [filedIncident(), triaged(), claimed()];
const infoRequested = (): AidRequestEvent[] => [...underReview(), informationRequested()];
/** A first approval of $300,000 by Ana: money reserved, Ben (or anyone but Ana) must confirm. */
const awaitingSecond = (): AidRequestEvent[] => [...underReview(), approvalRecorded(30_000_000n)];
/** Approved below the threshold by Ana: one tranche of $100,000. */
const approved = (): AidRequestEvent[] => [...underReview(), approvalRecorded(10_000_000n), grantApproved(10_000_000n)];
/** Approved with two tranches of $40,000 and $60,000. */
const approvedTwoTranches = (): AidRequestEvent[] => {
  const tranches = tranchesOf(4_000_000n, 6_000_000n);
  return [...underReview(), approvalRecorded(10_000_000n, { tranches }), grantApproved(10_000_000n, { tranches })];
};
const closed = (): AidRequestEvent[] => [
  ...approved(),
  trancheReleased(1, 10_000_000n),
  trancheDisbursed(1, 10_000_000n),
  progressReported(true),
  { type: 'GrantClosed', data: { requestId: REQUEST_ID, closedAt: iso('2026-12-15T10:00:00Z') } },
];
const rejectedHistory = (): AidRequestEvent[] => [...underReview(), rejected()];
const withdrawnHistory = (): AidRequestEvent[] => [...underReview(), withdrawn()];

const HISTORIES: Record<string, () => AidRequestEvent[]> = {
  submitted,
  triaged: triagedHistory,
  under_review: underReview,
  information_requested: infoRequested,
  awaiting_second_approval: awaitingSecond,
  approved,
  closed,
  rejected: rejectedHistory,
  withdrawn: withdrawnHistory,
};

const except = (...statuses: string[]): string[] => Object.keys(HISTORIES).filter((status) => !statuses.includes(status));

// Commands.
const requestInformation = (actor: Actor = ana, at = '2026-11-28T12:00:00Z'): RequestInformation => ({
  type: 'RequestInformation',
  data: { question: 'Which systems are affected?' },
  context: ctx(actor, at),
});
const provideInformation = (actor: Actor = crPartner, at = '2026-11-28T15:30:00Z'): ProvideInformation => ({
  type: 'ProvideInformation',
  data: { answer: 'Customs and tax.' },
  context: ctx(actor, at),
});
const approve = (
  amountApproved: bigint,
  options: { actor?: Actor; tranches?: bigint[]; at?: string; policy?: ApprovalPolicy; partner?: PartnerStanding } = {},
): ApproveAidRequest => ({
  type: 'ApproveAidRequest',
  data: { amountApproved, tranches: options.tranches },
  policy: options.policy ?? policy,
  partner: options.partner === undefined ? LOW_RISK : options.partner,
  context: ctx(options.actor ?? ana, options.at ?? '2026-11-28T14:00:00Z'),
});
const reject = (actor: Actor = ben, at = '2026-11-28T15:00:00Z'): RejectAidRequest => ({
  type: 'RejectAidRequest',
  data: { reason: 'Out of scope.' },
  context: ctx(actor, at),
});
const withdraw = (actor: Actor = crPartner, at = '2026-11-28T15:00:00Z'): WithdrawAidRequest => ({
  type: 'WithdrawAidRequest',
  data: { reason: 'Solved locally.' },
  context: ctx(actor, at),
});
const releaseTranche = (tranche: number, actor: Actor = ana, at = '2026-11-29T09:00:00Z'): ReleaseTranche => ({
  type: 'ReleaseTranche',
  data: { tranche },
  context: ctx(actor, at),
});
const disburseTranche = (tranche: number, at = '2026-11-29T09:05:00Z'): DisburseTranche => ({
  type: 'DisburseTranche',
  data: { tranche },
  context: ctx(system, at),
});
const reportProgress = (final: boolean, actor: Actor = crPartner, at = '2026-12-15T10:00:00Z'): ReportProgress => ({
  type: 'ReportProgress',
  data: { summary: 'Systems restored.', final },
  context: ctx(actor, at),
});
const checkDecide = (dueAt: string, at: string): CheckSla => ({
  type: 'CheckSla',
  data: { deadline: 'decide', dueAt: iso(dueAt) },
  context: ctx(system, at),
});

const stateAfter = (events: readonly AidRequestEvent[]) => fold(aidRequestDecider, events);

/** The events of an accepted decision (fails the test when it was refused). */
function decided(events: readonly AidRequestEvent[], command: Parameters<typeof aidRequestDecider.decide>[0]): readonly AidRequestEvent[] {
  const result = aidRequestDecider.decide(command, stateAfter(events));
  if (result instanceof DomainError) throw new Error(`refused: ${result.code} — ${result.message}`);
  return result;
}

// ---------------------------------------------------------------------------------------------

describe('AidRequest decisions: the history builders', () => {
  it('the triaged builder is what the automatic triage decides for the filed incident', () => {
    const result = decided([filedIncident()], { type: 'AutoTriage', config: triageConfig, context: ctx(system, '2026-11-28T10:00:05Z') });
    expect(result).toHaveLength(1);
    const [event] = result;
    expect(event?.type).toBe('AidRequestTriaged');
    if (event?.type !== 'AidRequestTriaged') return;
    const { reasons: _reasons, ...rest } = event.data;
    const { reasons: _built, ...built } = triaged().data;
    expect(rest).toEqual(built);
  });

  it('every history folds to its status', () => {
    for (const [status, history] of Object.entries(HISTORIES)) {
      expect(stateAfter(history()).status).toBe(status);
    }
  });
});

describe('AidRequest decisions: RequestInformation', () => {
  it('the assigned officer asks the partner; the request waits for information', () => {
    spec.given(underReview()).when(requestInformation()).then([informationRequested()]);
    const state = stateAfter(infoRequested());
    expect(state.status).toBe('information_requested');
    if (state.status !== 'information_requested') return;
    expect(state.question).toBe('Which systems are affected?');
    expect(state.assignedOfficer).toBe(ana.sub);
  });

  it('only an officer may ask', () => {
    spec.given(underReview()).when(requestInformation(crPartner)).thenFails('aid_request.officer_only');
    spec.given(underReview()).when(requestInformation(system)).thenFails('aid_request.officer_only');
  });

  it('only the assigned officer may ask', () => {
    spec.given(underReview()).when(requestInformation(ben)).thenFails('aid_request.not_assigned', (error) => {
      expect(error.message).toContain(ana.sub);
    });
  });

  it.each(except('under_review'))('refuses while the request is %s', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(requestInformation()).thenFails('aid_request.wrong_status', (error) => {
      expect(error.message).toContain(status);
    });
  });
});

describe('AidRequest decisions: ProvideInformation', () => {
  it('the partner of the request’s country answers; the decide deadline moves by the time waited', () => {
    // Asked at 12:00, answered at 15:30: 3.5 h paused; decideBy 2026-11-29T10:00 → 13:30.
    spec
      .given(infoRequested())
      .when(provideInformation())
      .then([informationProvided('2026-11-28T15:30:00Z', 3.5 * H, '2026-11-29T13:30:00Z')]);
  });

  it('any partner of the same country may answer, named as the provider', () => {
    const [event] = decided(infoRequested(), provideInformation(crColleague));
    expect(event?.type === 'InformationProvided' && event.data.providedBy).toBe(crColleague.sub);
  });

  it('after the answer the request is back under review with the same officer and the moved deadline', () => {
    const history = [...infoRequested(), informationProvided('2026-11-28T15:30:00Z', 3.5 * H, '2026-11-29T13:30:00Z')];
    const state = stateAfter(history);
    expect(state.status).toBe('under_review');
    if (state.status !== 'under_review') return;
    expect(state.assignedOfficer).toBe(ana.sub);
    expect(state.assessment.triage.decideBy).toBe(iso('2026-11-29T13:30:00Z'));
  });

  it('pauses add up over several rounds of questions', () => {
    const first = informationProvided('2026-11-28T15:30:00Z', 3.5 * H, '2026-11-29T13:30:00Z');
    const history = [...infoRequested(), first, informationRequested('2026-11-28T16:00:00Z')];
    // Asked again at 16:00, answered the next day at 16:00: 24 h more.
    spec
      .given(history)
      .when(provideInformation(crPartner, '2026-11-29T16:00:00Z'))
      .then([informationProvided('2026-11-29T16:00:00Z', 24 * H, '2026-11-30T13:30:00Z')]);
  });

  it('an answer in the same instant pauses nothing', () => {
    spec
      .given(infoRequested())
      .when(provideInformation(crPartner, '2026-11-28T12:00:00Z'))
      .then([informationProvided('2026-11-28T12:00:00Z', 0, '2026-11-29T10:00:00Z')]);
  });

  it('a partner of another country, or an officer, does not see the request', () => {
    spec.given(infoRequested()).when(provideInformation(paPartner)).thenFails('aid_request.not_found');
    spec.given(infoRequested()).when(provideInformation(ana)).thenFails('aid_request.not_found');
    spec.given(infoRequested()).when(provideInformation({ sub: 'cr-no-country', role: 'partner' })).thenFails('aid_request.not_found');
  });

  it('a request that does not exist is not found', () => {
    spec.given([]).when(provideInformation()).thenFails('aid_request.not_found');
  });

  it.each(except('information_requested'))('refuses while the request is %s', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(provideInformation()).thenFails('aid_request.wrong_status');
  });
});

describe('AidRequest decisions: ApproveAidRequest', () => {
  it('below the four-eyes threshold one officer approves: ApprovalRecorded + GrantApproved, one tranche', () => {
    spec
      .given(underReview())
      .when(approve(10_000_000n))
      .then([approvalRecorded(10_000_000n, { awaiting: false }), grantApproved(10_000_000n, { approvals: [ana.sub] })]);
    const state = stateAfter(approved());
    expect(state.status).toBe('approved');
    if (state.status !== 'approved') return;
    expect(state.grant).toEqual({
      amountApproved: 10_000_000n,
      tranches: [{ number: 1, amount: 10_000_000n, status: 'pending' }],
      approvals: [ana.sub],
      fiscalYear: 2027,
      window: 'rapid_response',
      approvedAt: iso('2026-11-28T14:00:00Z'),
      dueDiligence: 'low',
      // A rapid-response grant runs three months and has no reports due; nothing amended yet.
      endsAt: iso('2027-02-28T14:00:00Z'),
      reportingInterval: null,
      overdueReports: [],
      amendments: [],
    });
  });

  it('one cent below the threshold still needs one officer only', () => {
    spec
      .given(underReview())
      .when(approve(THRESHOLD - 1n))
      .then([approvalRecorded(THRESHOLD - 1n, { awaiting: false }), grantApproved(THRESHOLD - 1n)]);
  });

  it('at the threshold the first approval only reserves the money and awaits a second officer', () => {
    spec.given(underReview()).when(approve(THRESHOLD)).then([approvalRecorded(THRESHOLD, { awaiting: true })]);
  });

  it('above the threshold likewise; the request awaits the second approval', () => {
    spec.given(underReview()).when(approve(30_000_000n)).then([approvalRecorded(30_000_000n, { awaiting: true })]);
    const state = stateAfter(awaitingSecond());
    expect(state.status).toBe('awaiting_second_approval');
    if (state.status !== 'awaiting_second_approval') return;
    expect(state.firstApproval).toEqual({
      officer: ana.sub,
      amountApproved: 30_000_000n,
      tranches: [{ number: 1, amount: 30_000_000n }],
      fiscalYear: 2027,
      window: 'rapid_response',
      approvedAt: iso('2026-11-28T14:00:00Z'),
      dueDiligence: 'low',
    });
  });

  it('the threshold is configuration', () => {
    const strict = { ...policy, fourEyesThreshold: 1_000_000n };
    spec.given(underReview()).when(approve(1_000_000n, { policy: strict })).then([approvalRecorded(1_000_000n, { awaiting: true })]);
  });

  it('a second, different officer completes it: ApprovalRecorded + GrantApproved naming both', () => {
    spec
      .given(awaitingSecond())
      .when(approve(30_000_000n, { actor: ben, at: '2026-11-28T16:00:00Z' }))
      .then([
        approvalRecorded(30_000_000n, { officer: ben.sub, awaiting: false, at: '2026-11-28T16:00:00Z' }),
        grantApproved(30_000_000n, { approvals: [ana.sub, ben.sub], at: '2026-11-28T16:00:00Z' }),
      ]);
  });

  it('the second approval keeps the first one’s tranches and funding source', () => {
    const tranches = tranchesOf(10_000_000n, 20_000_000n);
    const history = [...underReview(), approvalRecorded(30_000_000n, { tranches })];
    const events = decided(history, approve(30_000_000n, { actor: ben, tranches: [30_000_000n], policy: { ...policy, fiscalYearStartMonth: 1 } }));
    const grant = events.find((e) => e.type === 'GrantApproved');
    expect(grant?.type === 'GrantApproved' && grant.data).toMatchObject({ tranches, fiscalYear: 2027, window: 'rapid_response' });
  });

  it('the same officer cannot give the second approval (four-eyes)', () => {
    spec.given(awaitingSecond()).when(approve(30_000_000n, { actor: ana })).thenFails('aid_request.four_eyes');
  });

  it('the second approval must confirm the first one’s amount', () => {
    spec.given(awaitingSecond()).when(approve(29_999_999n, { actor: ben })).thenFails('aid_request.approval_mismatch', (error) => {
      expect(error.message).toContain('30000000');
    });
    spec.given(awaitingSecond()).when(approve(10_000_000n, { actor: ben })).thenFails('aid_request.approval_mismatch');
  });

  it('only an officer approves, first or second', () => {
    spec.given(underReview()).when(approve(10_000_000n, { actor: crPartner })).thenFails('aid_request.officer_only');
    spec.given(underReview()).when(approve(10_000_000n, { actor: system })).thenFails('aid_request.officer_only');
    spec.given(awaitingSecond()).when(approve(30_000_000n, { actor: crPartner })).thenFails('aid_request.officer_only');
  });

  it('amountApproved must be from 1 cent to the amount requested', () => {
    const amountField = (error: DomainError) => expect(error.fieldProblems.map((p) => p.field)).toEqual(['amountApproved']);
    spec.given(underReview()).when(approve(0n)).thenFails('aid_request.invalid', amountField);
    spec.given(underReview()).when(approve(-1n)).thenFails('aid_request.invalid', amountField);
    spec.given(underReview()).when(approve(50_000_001n)).thenFails('aid_request.invalid', amountField);
    spec.given(underReview()).when(approve(50_000_000n)).then([approvalRecorded(50_000_000n, { awaiting: true })]);
    spec.given(underReview()).when(approve(1n)).then([approvalRecorded(1n), grantApproved(1n)]);
  });

  it('tranches, when given, are numbered in order and must sum to the amount approved', () => {
    spec
      .given(underReview())
      .when(approve(10_000_000n, { tranches: [2_500_000n, 7_500_000n] }))
      .then([
        approvalRecorded(10_000_000n, { tranches: tranchesOf(2_500_000n, 7_500_000n) }),
        grantApproved(10_000_000n, { tranches: tranchesOf(2_500_000n, 7_500_000n) }),
      ]);
    const trancheField = (error: DomainError) => expect(error.fieldProblems.map((p) => p.field)).toEqual(['tranches']);
    spec.given(underReview()).when(approve(10_000_000n, { tranches: [2_500_000n, 7_499_999n] })).thenFails('aid_request.invalid', trancheField);
    spec.given(underReview()).when(approve(10_000_000n, { tranches: [2_500_000n, 7_500_001n] })).thenFails('aid_request.invalid', trancheField);
    spec.given(underReview()).when(approve(10_000_000n, { tranches: [] })).thenFails('aid_request.invalid', trancheField);
    spec.given(underReview()).when(approve(10_000_000n, { tranches: [0n, 10_000_000n] })).thenFails('aid_request.invalid', trancheField);
    spec.given(underReview()).when(approve(10_000_000n, { tranches: [-1n, 10_000_001n] })).thenFails('aid_request.invalid', trancheField);
  });

  it('rapid response defaults to a single tranche, even for a capacity-building request triaged to it', () => {
    const history = [filedCapacity([1_000_000n, 2_000_000n]), triaged({ track: 'rapid_response', priority: 2 }), claimed()];
    const events = decided(history, approve(3_000_000n));
    expect(events.map((e) => e.type === 'GrantApproved' && e.data.tranches).filter(Boolean)).toEqual([tranchesOf(3_000_000n)]);
  });

  /** A capacity grant records its reporting interval (REPORTING_INTERVAL, P3M when the policy has none). */
  const withReporting = (event: GrantApproved): GrantApproved => ({ ...event, data: { ...event.data, reportingInterval: 'P3M' } });

  it('capacity building defaults to one tranche per milestone', () => {
    const history = [filedCapacity([1_000_000n, 2_000_000n]), triaged({ track: 'capacity_building', priority: 5 }), claimed()];
    const source = { window: 'capacity_building' as const, tranches: tranchesOf(1_000_000n, 2_000_000n) };
    spec
      .given(history)
      .when(approve(3_000_000n))
      .then([approvalRecorded(3_000_000n, source), withReporting(grantApproved(3_000_000n, source))]);
  });

  it('capacity building scales the milestones to a smaller amount, the rounding remainder on the last tranche', () => {
    const history = [filedCapacity([1_000_000n, 2_000_000n]), triaged({ track: 'capacity_building', priority: 5 }), claimed()];
    // 1,000,000 × 1,000,000 / 3,000,000 = 333,333.3 → 333,333; 2,000,000 × … = 666,666.6 → 666,666 + 1.
    const source = { window: 'capacity_building' as const, tranches: tranchesOf(333_333n, 666_667n) };
    spec
      .given(history)
      .when(approve(1_000_000n))
      .then([approvalRecorded(1_000_000n, source), withReporting(grantApproved(1_000_000n, source))]);

    const three = [filedCapacity([1_000n, 1_000n, 1_000n]), triaged({ track: 'capacity_building', priority: 5 }), claimed()];
    // 1,000 × 1,000 / 3,000 = 333 each; 1,000 − 999 = 1 more on the last.
    const [recorded] = decided(three, approve(1_000n));
    expect(recorded?.type === 'ApprovalRecorded' && recorded.data.tranches).toEqual(tranchesOf(333n, 333n, 334n));
  });

  it('tranches given at approval override the milestone default', () => {
    const history = [filedCapacity([1_000_000n, 2_000_000n]), triaged({ track: 'capacity_building', priority: 5 }), claimed()];
    const [recorded] = decided(history, approve(3_000_000n, { tranches: [3_000_000n] }));
    expect(recorded?.type === 'ApprovalRecorded' && recorded.data.tranches).toEqual(tranchesOf(3_000_000n));
  });

  it('an incident triaged to capacity building (no milestones) gets a single tranche', () => {
    const history = [filedIncident(), triaged({ track: 'capacity_building', priority: 4 }), claimed()];
    const [recorded] = decided(history, approve(10_000_000n));
    expect(recorded?.type === 'ApprovalRecorded' && recorded.data).toMatchObject({ tranches: tranchesOf(10_000_000n), window: 'capacity_building' });
  });

  it('funds from the fiscal year of the filing date: start month 10 (default) and 1', () => {
    // Filed 2026-11-28: FY2027 with an October start, FY2026 with a January start.
    const fy = (history: AidRequestEvent[], command: ApproveAidRequest) => {
      const [recorded] = decided(history, command);
      return recorded?.type === 'ApprovalRecorded' ? recorded.data.fiscalYear : undefined;
    };
    expect(fy(underReview(), approve(10_000_000n))).toBe(2027);
    expect(fy(underReview(), approve(10_000_000n, { policy: { ...policy, fiscalYearStartMonth: 1 } }))).toBe(2026);
    // Filed on the last instant of FY2026 (October start), approved in FY2027: still FY2026.
    const lastInstant = '2026-09-30T23:59:59.999Z';
    const late = [filedIncident(50_000_000n, lastInstant), triaged({ filedAt: lastInstant }), claimed(ana.sub, '2026-10-01T00:30:00Z')];
    expect(fy(late, approve(10_000_000n, { at: '2026-10-02T00:00:00Z' }))).toBe(2026);
    const firstInstant = '2026-10-01T00:00:00.000Z';
    const early = [filedIncident(50_000_000n, firstInstant), triaged({ filedAt: firstInstant }), claimed(ana.sub, '2026-10-01T00:30:00Z')];
    expect(fy(early, approve(10_000_000n, { at: '2026-10-02T00:00:00Z' }))).toBe(2027);
    expect(fy(early, approve(10_000_000n, { at: '2026-10-02T00:00:00Z', policy: { ...policy, fiscalYearStartMonth: 1 } }))).toBe(2026);
  });

  it('funds from the window of the request’s current track (an override before approval counts)', () => {
    const overridden = triaged({ track: 'capacity_building', priority: 4, source: { kind: 'officer', officer: ben.sub, reason: 'slow burn' } });
    const history = [...underReview(), overridden];
    const [recorded] = decided(history, approve(10_000_000n));
    expect(recorded?.type === 'ApprovalRecorded' && recorded.data.window).toBe('capacity_building');
  });

  it.each(except('under_review', 'awaiting_second_approval'))('refuses while the request is %s', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(approve(10_000_000n)).thenFails('aid_request.wrong_status', (error) => {
      expect(error.message).toContain(status);
    });
  });

  it('a request that does not exist is not found', () => {
    spec.given([]).when(approve(10_000_000n)).thenFails('aid_request.not_found');
  });
});

describe('AidRequest decisions: RejectAidRequest', () => {
  it('an officer rejects a request under review; nothing was reserved', () => {
    spec.given(underReview()).when(reject()).then([rejected('2026-11-28T15:00:00Z', null)]);
    const state = stateAfter(rejectedHistory());
    expect(state.status).toBe('rejected');
    if (state.status !== 'rejected') return;
    expect(state).toMatchObject({ rejectedBy: ben.sub, reason: 'Out of scope.', approvals: [] });
  });

  it('rejecting after a first approval releases its reservation', () => {
    const released = { fiscalYear: 2027, window: 'rapid_response' as const, amount: '30000000' };
    spec.given(awaitingSecond()).when(reject()).then([rejected('2026-11-28T15:00:00Z', released)]);
    const state = stateAfter([...awaitingSecond(), rejected('2026-11-28T15:00:00Z', released)]);
    expect(state.status === 'rejected' && state.approvals).toEqual([ana.sub]);
  });

  it('the first approver may also reject (rejecting needs no four eyes)', () => {
    const [event] = decided(awaitingSecond(), reject(ana));
    expect(event?.type === 'AidRequestRejected' && event.data.released).toEqual({ fiscalYear: 2027, window: 'rapid_response', amount: '30000000' });
  });

  it('only an officer rejects', () => {
    spec.given(underReview()).when(reject(crPartner)).thenFails('aid_request.officer_only');
    spec.given(underReview()).when(reject(system)).thenFails('aid_request.officer_only');
  });

  it.each(except('under_review', 'awaiting_second_approval'))('refuses while the request is %s', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(reject()).thenFails('aid_request.wrong_status');
  });
});

describe('AidRequest decisions: WithdrawAidRequest', () => {
  it.each(['submitted', 'triaged', 'under_review', 'information_requested'])('the partner withdraws a %s request; nothing to release', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(withdraw()).then([withdrawn('2026-11-28T15:00:00Z', null)]);
    const state = stateAfter([...(HISTORIES[status]?.() ?? []), withdrawn()]);
    expect(state.status).toBe('withdrawn');
  });

  it('withdrawing after a first approval releases its reservation', () => {
    const released = { fiscalYear: 2027, window: 'rapid_response' as const, amount: '30000000' };
    spec.given(awaitingSecond()).when(withdraw()).then([withdrawn('2026-11-28T15:00:00Z', released)]);
  });

  it('withdrawing before triage keeps no assessment', () => {
    const state = stateAfter([...submitted(), withdrawn()]);
    expect(state.status === 'withdrawn' && state.assessment).toBeNull();
  });

  it('the reason is optional', () => {
    const command: WithdrawAidRequest = { ...withdraw(), data: { reason: null } };
    const [event] = decided(underReview(), command);
    expect(event?.type === 'AidRequestWithdrawn' && event.data.reason).toBeNull();
  });

  it('a partner of another country, or an officer, does not see the request', () => {
    spec.given(underReview()).when(withdraw(paPartner)).thenFails('aid_request.not_found');
    spec.given(underReview()).when(withdraw(ana)).thenFails('aid_request.not_found');
    spec.given(awaitingSecond()).when(withdraw(paPartner)).thenFails('aid_request.not_found');
  });

  it.each(['approved', 'rejected', 'withdrawn', 'closed'])('refuses after a final decision (%s)', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(withdraw()).thenFails('aid_request.wrong_status', (error) => {
      expect(error.message).toContain(status);
    });
  });
});

describe('AidRequest decisions: ReleaseTranche', () => {
  it('an officer releases a pending tranche, naming its amount and funding source', () => {
    spec.given(approved()).when(releaseTranche(1)).then([trancheReleased(1, 10_000_000n)]);
    spec.given([...approvedTwoTranches(), trancheReleased(1, 4_000_000n)]).when(releaseTranche(2)).then([trancheReleased(2, 6_000_000n)]);
  });

  it('a released tranche is marked released', () => {
    const state = stateAfter([...approvedTwoTranches(), trancheReleased(1, 4_000_000n)]);
    expect(state.status === 'approved' && state.grant.tranches.map((t) => t.status)).toEqual(['released', 'pending']);
  });

  it('an unknown tranche is not found', () => {
    spec.given(approved()).when(releaseTranche(2)).thenFails('aid_request.tranche_not_found');
    spec.given(approved()).when(releaseTranche(0)).thenFails('aid_request.tranche_not_found');
  });

  it('a tranche is released once', () => {
    spec.given([...approved(), trancheReleased(1, 10_000_000n)]).when(releaseTranche(1)).thenFails('aid_request.tranche_state');
    spec
      .given([...approved(), trancheReleased(1, 10_000_000n), trancheDisbursed(1, 10_000_000n)])
      .when(releaseTranche(1))
      .thenFails('aid_request.tranche_state');
  });

  it('only an officer releases', () => {
    spec.given(approved()).when(releaseTranche(1, crPartner)).thenFails('aid_request.officer_only');
  });

  it.each(except('approved'))('refuses while the request is %s', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(releaseTranche(1)).thenFails('aid_request.wrong_status');
  });
});

describe('AidRequest decisions: DisburseTranche', () => {
  const released = () => [...approvedTwoTranches(), trancheReleased(1, 4_000_000n)];

  it('the worker disburses a released tranche', () => {
    const event = trancheDisbursed(1, 4_000_000n);
    spec.given(released()).when(disburseTranche(1)).then([event]);
    const state = stateAfter([...released(), event]);
    expect(state.status === 'approved' && state.grant.tranches.map((t) => t.status)).toEqual(['disbursed', 'pending']);
  });

  it('disbursing twice changes nothing (idempotent by tranche)', () => {
    spec.given([...released(), trancheDisbursed(1, 4_000_000n)]).when(disburseTranche(1)).thenNothingHappens();
  });

  it('a disbursement job run again after the grant closed changes nothing', () => {
    spec.given(closed()).when(disburseTranche(1)).thenNothingHappens();
  });

  it('a pending tranche cannot be disbursed', () => {
    spec.given(released()).when(disburseTranche(2)).thenFails('aid_request.tranche_state');
    spec.given(approved()).when(disburseTranche(1)).thenFails('aid_request.tranche_state');
  });

  it('an unknown tranche is not found', () => {
    spec.given(released()).when(disburseTranche(3)).thenFails('aid_request.tranche_not_found');
  });

  it.each(except('approved', 'closed'))('refuses while the request is %s', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(disburseTranche(1)).thenFails('aid_request.wrong_status');
  });
});

describe('AidRequest decisions: ReportProgress', () => {
  it('the partner reports progress on an approved grant', () => {
    spec.given(approved()).when(reportProgress(false)).then([progressReported(false)]);
    const state = stateAfter([...approved(), progressReported(false)]);
    expect(state.status === 'approved' && state.reports).toEqual([{ summary: 'Systems restored.', final: false, reportedAt: iso('2026-12-15T10:00:00Z') }]);
  });

  it('a final report before every tranche is disbursed is refused', () => {
    spec.given(approved()).when(reportProgress(true)).thenFails('aid_request.not_all_disbursed');
    spec.given([...approved(), trancheReleased(1, 10_000_000n)]).when(reportProgress(true)).thenFails('aid_request.not_all_disbursed');
    const oneOfTwo = [...approvedTwoTranches(), trancheReleased(1, 4_000_000n), trancheDisbursed(1, 4_000_000n), trancheReleased(2, 6_000_000n)];
    spec.given(oneOfTwo).when(reportProgress(true)).thenFails('aid_request.not_all_disbursed', (error) => {
      expect(error.message).toContain('1 still to go');
    });
  });

  it('a final report after every tranche is disbursed closes the grant', () => {
    const allPaid = [
      ...approvedTwoTranches(),
      trancheReleased(1, 4_000_000n),
      trancheDisbursed(1, 4_000_000n),
      trancheReleased(2, 6_000_000n),
      trancheDisbursed(2, 6_000_000n),
    ];
    const closedEvent: AidRequestEvent = { type: 'GrantClosed', data: { requestId: REQUEST_ID, closedAt: iso('2026-12-15T10:00:00Z') } };
    spec.given(allPaid).when(reportProgress(true)).then([progressReported(true), closedEvent]);
    const state = stateAfter([...allPaid, progressReported(true), closedEvent]);
    expect(state.status).toBe('closed');
  });

  it('a partner of another country, or an officer, does not see the request', () => {
    spec.given(approved()).when(reportProgress(false, paPartner)).thenFails('aid_request.not_found');
    spec.given(approved()).when(reportProgress(false, ana)).thenFails('aid_request.not_found');
  });

  it.each(except('approved'))('refuses while the request is %s', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(reportProgress(false)).thenFails('aid_request.wrong_status');
  });
});

describe('AidRequest decisions: the decide SLA around information requests and decisions', () => {
  const DECIDE_BY = '2026-11-29T10:00:00Z';
  const LATE = '2026-11-29T11:00:00Z';
  const breach = (dueAt: string, at: string): AidRequestEvent => ({
    type: 'SlaBreached',
    data: { requestId: REQUEST_ID, deadline: 'decide', dueAt: iso(dueAt), detectedAt: iso(at), previousPriority: 1, priority: 1 },
  });

  it('breaches an undecided request under review once the deadline passed (the control case)', () => {
    spec.given(underReview()).when(checkDecide(DECIDE_BY, LATE)).then([breach(DECIDE_BY, LATE)]);
    spec.given(awaitingSecond()).when(checkDecide(DECIDE_BY, LATE)).then([breach(DECIDE_BY, LATE)]);
  });

  it('is paused while the partner is asked for information', () => {
    spec.given(infoRequested()).when(checkDecide(DECIDE_BY, LATE)).thenNothingHappens();
    spec.given(infoRequested()).when(checkDecide(DECIDE_BY, '2027-01-01T00:00:00Z')).thenNothingHappens();
  });

  it('after the answer the old timer is stale and the moved deadline applies', () => {
    const history = [...infoRequested(), informationProvided('2026-11-28T15:30:00Z', 3.5 * H, '2026-11-29T13:30:00Z')];
    spec.given(history).when(checkDecide(DECIDE_BY, LATE)).thenNothingHappens();
    spec.given(history).when(checkDecide('2026-11-29T13:30:00Z', '2026-11-29T13:29:59Z')).thenNothingHappens();
    spec.given(history).when(checkDecide('2026-11-29T13:30:00Z', '2026-11-29T13:30:00Z')).then([breach('2026-11-29T13:30:00Z', '2026-11-29T13:30:00Z')]);
  });

  it.each(['approved', 'rejected', 'withdrawn', 'closed'])('changes nothing once the request is %s', (status) => {
    spec.given(HISTORIES[status]?.() ?? []).when(checkDecide(DECIDE_BY, LATE)).thenNothingHappens();
  });
});

describe('AidRequest decisions: what each decision asks of the fund (fundCommandFor)', () => {
  const officerCtx = ctx(ana, '2026-11-28T14:00:00Z');

  it('a single approval commits the approved amount from the request’s window and fiscal year', () => {
    const events = decided(underReview(), approve(10_000_000n));
    expect(fundCommandFor(events, officerCtx)).toEqual({
      type: 'CommitFunds',
      data: { fiscalYear: 2027, window: 'rapid_response', requestId: REQUEST_ID, amount: 10_000_000n },
      context: officerCtx,
    });
  });

  it('the first of two approvals commits (reserves) the money', () => {
    const events = decided(underReview(), approve(30_000_000n));
    expect(fundCommandFor(events, officerCtx)).toEqual({
      type: 'CommitFunds',
      data: { fiscalYear: 2027, window: 'rapid_response', requestId: REQUEST_ID, amount: 30_000_000n },
      context: officerCtx,
    });
  });

  it('a capacity-building approval commits from the capacity-building window', () => {
    const history = [filedCapacity([1_000_000n, 2_000_000n]), triaged({ track: 'capacity_building', priority: 5 }), claimed()];
    const command = fundCommandFor(decided(history, approve(3_000_000n)), officerCtx);
    expect(command?.type === 'CommitFunds' && command.data).toEqual({ fiscalYear: 2027, window: 'capacity_building', requestId: REQUEST_ID, amount: 3_000_000n });
  });

  it('the second of two approvals commits nothing more', () => {
    const events = decided(awaitingSecond(), approve(30_000_000n, { actor: ben }));
    expect(events.map((e) => e.type)).toEqual(['ApprovalRecorded', 'GrantApproved']);
    expect(fundCommandFor(events, ctx(ben, '2026-11-28T16:00:00Z'))).toBeUndefined();
  });

  it('a rejection after a first approval releases the commitment; before one, nothing', () => {
    const context = ctx(ben, '2026-11-28T15:00:00Z');
    expect(fundCommandFor(decided(awaitingSecond(), reject()), context)).toEqual({
      type: 'ReleaseCommitment',
      data: { fiscalYear: 2027, requestId: REQUEST_ID, reason: 'rejected' },
      context,
    });
    expect(fundCommandFor(decided(underReview(), reject()), context)).toBeUndefined();
  });

  it('a withdrawal after a first approval releases the commitment; before one, nothing', () => {
    const context = ctx(crPartner, '2026-11-28T15:00:00Z');
    expect(fundCommandFor(decided(awaitingSecond(), withdraw()), context)).toEqual({
      type: 'ReleaseCommitment',
      data: { fiscalYear: 2027, requestId: REQUEST_ID, reason: 'withdrawn' },
      context,
    });
    expect(fundCommandFor(decided(underReview(), withdraw()), context)).toBeUndefined();
    expect(fundCommandFor(decided(submitted(), withdraw()), context)).toBeUndefined();
  });

  it('a disbursement pays the tranche out of the commitment', () => {
    const context = ctx(system, '2026-11-29T09:05:00Z');
    const events = decided([...approvedTwoTranches(), trancheReleased(2, 6_000_000n)], disburseTranche(2));
    expect(fundCommandFor(events, context)).toEqual({
      type: 'DisburseFunds',
      data: { fiscalYear: 2027, requestId: REQUEST_ID, tranche: 2, amount: 6_000_000n },
      context,
    });
  });

  it('releasing a tranche, asking for information, reporting progress and an idempotent disbursement involve no fund', () => {
    expect(fundCommandFor(decided(approved(), releaseTranche(1)), officerCtx)).toBeUndefined();
    expect(fundCommandFor(decided(underReview(), requestInformation()), officerCtx)).toBeUndefined();
    expect(fundCommandFor(decided(infoRequested(), provideInformation()), officerCtx)).toBeUndefined();
    expect(fundCommandFor(decided(approved(), reportProgress(false)), officerCtx)).toBeUndefined();
    expect(fundCommandFor(decided(closed(), disburseTranche(1)), officerCtx)).toBeUndefined();
    expect(fundCommandFor([], officerCtx)).toBeUndefined();
  });
});

describe('AidRequest decisions: default tranches of a small approval', () => {
  // A milestone too small to be worth a cent of the approval gets no tranche of its own, so that no
  // tranche of 0 cents (which the fund would refuse to pay) ever exists.
  it('are never 0 cents', () => {
    const history = [filedCapacity([1_000n, 999_000n]), triaged({ track: 'capacity_building', priority: 5 }), claimed()];
    const result = aidRequestDecider.decide(approve(500n), stateAfter(history));
    if (result instanceof DomainError) throw new Error(`refused: ${result.code}`);
    const recorded = result.find((e) => e.type === 'ApprovalRecorded');
    const tranches = recorded?.type === 'ApprovalRecorded' ? recorded.data.tranches : [];
    expect(tranches).toEqual([{ number: 1, amount: '500' }]);
  });
});

describe('AidRequest decisions: a triage override after an information request', () => {
  it('keeps the time spent waiting for the partner credited to the decide deadline', () => {
    const pausedMs = 3.5 * H;
    const history = [
      ...underReview(),
      informationRequested('2026-11-28T12:00:00Z'),
      informationProvided('2026-11-28T15:30:00Z', pausedMs, new Date(Date.parse(FILED_AT) + 3 * D + pausedMs).toISOString()),
    ];
    const result = aidRequestDecider.decide(
      { type: 'OverrideTriage', data: { track: 'rapid_response', priority: 1, reason: 'escalated by the ministry' }, config: triageConfig, context: ctx(ana, '2026-11-28T16:00:00Z') },
      stateAfter(history),
    );
    if (result instanceof DomainError) throw new Error(`refused: ${result.code}`);
    const triagedEvent = result[0];
    expect(triagedEvent?.type).toBe('AidRequestTriaged');
    // Priority 1: decide within 24 h of filing, plus the 3.5 h the fund waited.
    expect(triagedEvent?.type === 'AidRequestTriaged' ? triagedEvent.data.decideBy : null).toBe(new Date(Date.parse(FILED_AT) + D + pausedMs).toISOString());
  });
});

describe('AidRequest decisions: follow-ups of a request withdrawn before they ran', () => {
  // The triage follow-ups (scoring, the duplicate check) are queued when the request is triaged; a
  // partner may withdraw before they run. Nothing is left to do, and that is not a failure (a
  // refusal would fail the job and put it in dead_letters).
  it.each([
    ['withdrawn after triage', (): AidRequestEvent[] => [...triagedHistory(), withdrawn()]],
    ['withdrawn under review', withdrawnHistory],
    ['withdrawn before triage', (): AidRequestEvent[] => [...submitted(), withdrawn()]],
  ])('ScoreCapacityRequest and FlagPossibleDuplicate record nothing (%s)', (_, history) => {
    spec.given(history()).when({ type: 'ScoreCapacityRequest', data: { windowAvailable: 100_000_000n }, context: ctx(system, '2026-11-28T16:00:00Z') }).then([]);
    spec
      .given(history())
      .when({ type: 'FlagPossibleDuplicate', data: { duplicateOf: '019ac9a0-0000-7000-8000-0000000000ff', reason: 'same title' }, context: ctx(system, '2026-11-28T16:00:00Z') })
      .then([]);
  });
});
