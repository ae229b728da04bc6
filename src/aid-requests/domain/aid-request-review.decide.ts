import { DomainError } from '@app/event-store/decider';
import { fiscalYearOf } from '../../kernel/fiscal-year';
import { fromCentsString, toCentsString } from '../../kernel/money';
import type { ApproveAidRequest, ProvideInformation, RejectAidRequest, RequestInformation, WithdrawAidRequest } from './aid-request.commands';
import { partnerOwns, type Decision } from './aid-request.decision';
import { AidRequestErrors } from './aid-request.errors';
import type { AidRequestEvent, AidRequestRejected, TrancheData } from './aid-request.events';
import { isAssessed, type ExistingAidRequest } from './aid-request.state';
import { validRiskLevel, type DueDiligence } from '../../kernel/due-diligence';
import { rulesFor, splitToCap, withinCap } from './grant-risk.rules';
import { DEFAULT_REPORTING_INTERVAL } from '../../kernel/reporting';

/*
 * Review: the officer's decision. The information loop with the partner, approval (alone or by two
 * officers), rejection, and the partner's withdrawal before a final decision.
 */

export function requestInformation(command: RequestInformation, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('ask the partner for information');
  if (state.status !== 'under_review') return AidRequestErrors.wrongStatus('ask for information', state.status);
  if (state.assignedOfficer !== actor.sub) return AidRequestErrors.notAssigned(state.assignedOfficer);
  return [
    {
      type: 'InformationRequested',
      data: { requestId: state.filed.requestId, officer: actor.sub, question: command.data.question, requestedAt: now.toISOString() },
    },
  ];
}

export function provideInformation(command: ProvideInformation, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (!partnerOwns(command.context, state)) return AidRequestErrors.notFound();
  if (state.status !== 'information_requested') return AidRequestErrors.wrongStatus('provide information', state.status);
  const pausedMs = Math.max(0, now.getTime() - Date.parse(state.requestedAt));
  const decideBy = new Date(Date.parse(state.assessment.triage.decideBy) + pausedMs).toISOString();
  return [
    {
      type: 'InformationProvided',
      data: { requestId: state.filed.requestId, answer: command.data.answer, providedBy: actor.sub, providedAt: now.toISOString(), pausedMs, decideBy },
    },
  ];
}

/** Tranches as given, or by default: one for rapid response, one per milestone scaled to the amount for capacity building. */
function tranchesFor(state: ExistingAidRequest, amountApproved: bigint, given: readonly bigint[] | undefined): TrancheData[] | DomainError {
  if (given !== undefined) {
    if (given.length === 0 || given.some((amount) => amount <= 0n)) {
      return AidRequestErrors.invalid([{ field: 'tranches', message: 'tranches must be one or more positive amounts' }]);
    }
    const total = given.reduce((sum, amount) => sum + amount, 0n);
    if (total !== amountApproved) {
      return AidRequestErrors.invalid([{ field: 'tranches', message: `tranche amounts sum to ${total}, but amountApproved is ${amountApproved}` }]);
    }
    return given.map((amount, i) => ({ number: i + 1, amount: toCentsString(amount) }));
  }
  const milestones = state.filed.capacity?.milestones.map((m) => fromCentsString(m.amount)) ?? [];
  const track = isAssessed(state) ? state.assessment.triage.track : 'rapid_response';
  if (track === 'rapid_response' || milestones.length === 0) return [{ number: 1, amount: toCentsString(amountApproved) }];
  // Scale each milestone to the approved amount, rounding down; the remainder goes to the last.
  const requested = state.filed.amountRequested;
  const scaled = milestones.map((amount) => (amount * amountApproved) / requested);
  const remainder = amountApproved - scaled.reduce((sum, amount) => sum + amount, 0n);
  scaled[scaled.length - 1] = (scaled[scaled.length - 1] ?? 0n) + remainder;
  // A milestone too small to be worth a cent of a small approval gets no tranche of its own.
  return scaled.filter((amount) => amount > 0n).map((amount, i) => ({ number: i + 1, amount: toCentsString(amount) }));
}

export function approve(command: ApproveAidRequest, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('approve a request');
  const { amountApproved } = command.data;
  if (state.status === 'awaiting_second_approval') {
    const first = state.firstApproval;
    if (first.officer === actor.sub) return AidRequestErrors.sameOfficer();
    if (amountApproved !== first.amountApproved) return AidRequestErrors.approvalMismatch(first.amountApproved);
    const tranches = first.tranches.map((t) => ({ number: t.number, amount: toCentsString(t.amount) }));
    // The second officer confirms the first approval as it was judged, due diligence included.
    const source = { fiscalYear: first.fiscalYear, window: first.window, ...(first.dueDiligence === null ? {} : { dueDiligence: first.dueDiligence }) };
    return [
      {
        type: 'ApprovalRecorded',
        data: { requestId: state.filed.requestId, officer: actor.sub, amountApproved: toCentsString(amountApproved), tranches, ...source, awaitingSecondApproval: false, approvedAt: now.toISOString() },
      },
      {
        type: 'GrantApproved',
        data: {
          requestId: state.filed.requestId,
          amountApproved: toCentsString(amountApproved),
          tranches,
          ...source,
          approvals: [first.officer, actor.sub],
          approvedAt: now.toISOString(),
          ...reportingSchedule(state, command),
        },
      },
    ];
  }
  if (state.status !== 'under_review') return AidRequestErrors.wrongStatus('approve the request', state.status);
  if (amountApproved <= 0n || amountApproved > state.filed.amountRequested) {
    return AidRequestErrors.invalid([{ field: 'amountApproved', message: `amountApproved must be from 1 to the ${state.filed.amountRequested} cents requested` }]);
  }
  const planned = tranchesFor(state, amountApproved, command.data.tranches);
  if (planned instanceof DomainError) return planned;
  const window = state.assessment.triage.track;
  // Due diligence: capacity building needs an assessment valid now; rapid response goes ahead without one, waived.
  const riskLevel = validRiskLevel(command.partner, now);
  if (riskLevel === null && window === 'capacity_building') return AidRequestErrors.dueDiligenceRequired();
  const dueDiligence: DueDiligence = riskLevel ?? 'waived_emergency';
  const rules = rulesFor(dueDiligence);
  const tranches = rules.trancheCap ? cappedTranches(planned, amountApproved, command.data.tranches !== undefined, command.policy.highRiskMaxTranchePercent) : planned;
  if (tranches instanceof DomainError) return tranches;
  const source = {
    fiscalYear: fiscalYearOf(new Date(state.filed.filedAt), command.policy.fiscalYearStartMonth),
    window,
    dueDiligence,
  };
  const awaitingSecondApproval = amountApproved >= command.policy.fourEyesThreshold || rules.fourEyes;
  const recorded: AidRequestEvent = {
    type: 'ApprovalRecorded',
    data: { requestId: state.filed.requestId, officer: actor.sub, amountApproved: toCentsString(amountApproved), tranches, ...source, awaitingSecondApproval, approvedAt: now.toISOString() },
  };
  if (awaitingSecondApproval) return [recorded];
  return [
    recorded,
    {
      type: 'GrantApproved',
      data: {
        requestId: state.filed.requestId,
        amountApproved: toCentsString(amountApproved),
        tranches,
        ...source,
        approvals: [actor.sub],
        approvedAt: now.toISOString(),
        ...reportingSchedule(state, command),
      },
    },
  ];
}

/**
 * A high-risk grant's tranches within the cap: tranches the officer gave must keep to it (or the
 * approval is refused); the default ones are split until they do (see splitToCap).
 */
function cappedTranches(tranches: readonly TrancheData[], amountApproved: bigint, given: boolean, percent: number): readonly TrancheData[] | DomainError {
  const amounts = tranches.map((t) => fromCentsString(t.amount));
  if (given) return amounts.every((amount) => withinCap(amount, amountApproved, percent)) ? tranches : AidRequestErrors.riskLimit(percent, amountApproved);
  const split = splitToCap(amounts, amountApproved, percent);
  if (split === undefined) return AidRequestErrors.riskLimit(percent, amountApproved);
  return split.map((amount, i) => ({ number: i + 1, amount: toCentsString(amount) }));
}

/** Capacity grants report every REPORTING_INTERVAL; rapid-response grants have no reports due (and no field). */
function reportingSchedule(state: ExistingAidRequest, command: ApproveAidRequest): { reportingInterval?: string } {
  return state.filed.kind === 'capacity_building' ? { reportingInterval: command.policy.reportingInterval ?? DEFAULT_REPORTING_INTERVAL } : {};
}

/** Money a first approval reserved in the fund (returned when the request ends without a grant). */
function reservationOf(state: ExistingAidRequest): AidRequestRejected['data']['released'] {
  if (state.status !== 'awaiting_second_approval') return null;
  const { fiscalYear, window, amountApproved } = state.firstApproval;
  return { fiscalYear, window, amount: toCentsString(amountApproved) };
}

export function reject(command: RejectAidRequest, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('reject a request');
  if (state.status !== 'under_review' && state.status !== 'awaiting_second_approval') return AidRequestErrors.wrongStatus('reject the request', state.status);
  const released = reservationOf(state);
  return [
    { type: 'AidRequestRejected', data: { requestId: state.filed.requestId, officer: actor.sub, reason: command.data.reason, rejectedAt: now.toISOString(), released } },
  ];
}

export function withdraw(command: WithdrawAidRequest, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (!partnerOwns(command.context, state)) return AidRequestErrors.notFound();
  if (state.status === 'approved' || state.status === 'rejected' || state.status === 'closed' || state.status === 'withdrawn') {
    return AidRequestErrors.wrongStatus('withdraw the request', state.status);
  }
  const released = reservationOf(state);
  return [
    { type: 'AidRequestWithdrawn', data: { requestId: state.filed.requestId, withdrawnBy: actor.sub, reason: command.data.reason, withdrawnAt: now.toISOString(), released } },
  ];
}
