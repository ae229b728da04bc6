import { DomainError, type FieldProblem } from '@app/event-store';
import { raisePriority, slaDeadlines, triage, type TriageInput } from './triage.policy';
import { scoreCapacityRequest } from './capacity-scoring.policy';
import { nextReviewRound } from '../../kernel/review-round';
import type { AidRequestCommand, ApproveAidRequest, DisburseTranche, ProvideInformation, RejectAidRequest, ReleaseTranche, ReportProgress, RequestInformation, WithdrawAidRequest, AutoTriage, CheckSla, ClaimAidRequest, FileAidRequest, FlagPossibleDuplicate, OverrideTriage, ScoreCapacityRequest } from './aid-request.commands';
import { AidRequestErrors } from './aid-request.errors';
import type { AidRequestEvent, AidRequestFiled, AidRequestFiledData, AidRequestRejected, AidRequestTriaged, TrancheData } from './aid-request.events';
import { isAssessed, isUndecided, type AidRequestState, type ExistingAidRequest, type FiledRequest } from './aid-request.state';
import { fromCentsString, toCentsString } from '../../kernel/money';
import { MAX_AMOUNT_CENTS, MIN_AMOUNT_CENTS } from './aid-request.values';
import type { CommandContext } from '../../kernel/command-context';
import { fiscalYearOf } from '../../kernel/fiscal-year';

type Decision = readonly AidRequestEvent[] | DomainError;

export function decideAidRequest(command: AidRequestCommand, state: AidRequestState): Decision {
  if (command.type === 'FileAidRequest') return fileAidRequest(command, state);
  if (state.status === 'none') return AidRequestErrors.notFound();
  switch (command.type) {
    case 'AutoTriage':
      return autoTriage(command, state);
    case 'OverrideTriage':
      return overrideTriage(command, state);
    case 'ClaimAidRequest':
      return claim(command, state);
    case 'CheckSla':
      return checkSla(command, state);
    case 'FlagPossibleDuplicate':
      return flagPossibleDuplicate(command, state);
    case 'ScoreCapacityRequest':
      return scoreCapacity(command, state);
    case 'RequestInformation':
      return requestInformation(command, state);
    case 'ProvideInformation':
      return provideInformation(command, state);
    case 'ApproveAidRequest':
      return approve(command, state);
    case 'RejectAidRequest':
      return reject(command, state);
    case 'WithdrawAidRequest':
      return withdraw(command, state);
    case 'ReleaseTranche':
      return releaseTranche(command, state);
    case 'DisburseTranche':
      return disburseTranche(command, state);
    case 'ReportProgress':
      return reportProgress(command, state);
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}

function fileAidRequest(command: FileAidRequest, state: AidRequestState): [AidRequestFiled] | DomainError {
  const { data, context } = command;
  if (state.status !== 'none') return AidRequestErrors.alreadyFiled(data.requestId);
  const country = context.actor.country;
  if (context.actor.role !== 'partner' || country === undefined) return AidRequestErrors.notAPartner();

  const problems = fileProblems(command);
  if (problems.length > 0) return AidRequestErrors.invalid(problems);

  const common = {
    requestId: data.requestId,
    country,
    title: data.title,
    description: data.description,
    actionArea: data.actionArea,
    amountRequested: toCentsString(data.amountRequested),
    contact: data.contact ? { name: data.contact.name, email: data.contact.email } : null,
    filedBy: context.actor.sub,
    filedAt: context.now.toISOString(),
  };
  let filed: AidRequestFiledData;
  if (data.kind === 'incident_response' && data.incident) {
    const { severity, ongoing, detectedAt, sectors } = data.incident;
    filed = { ...common, kind: 'incident_response', incident: { severity, ongoing, detectedAt: detectedAt.toISOString(), sectors: [...new Set(sectors)] } };
  } else if (data.kind === 'capacity_building' && data.capacity) {
    const { durationMonths, sectors, milestones } = data.capacity;
    filed = {
      ...common,
      kind: 'capacity_building',
      capacity: {
        durationMonths,
        sectors: [...new Set(sectors)],
        milestones: milestones.map((m) => ({ title: m.title, amount: toCentsString(m.amount) })),
      },
    };
  } else {
    // Unreachable: fileProblems refuses a kind without its section.
    return AidRequestErrors.invalid([{ field: 'kind', message: 'kind does not match the details given' }]);
  }
  return [{ type: 'AidRequestFiled', data: filed }];
}

/** Rules a request must satisfy to be filed; every broken one is reported, each naming its field. */
function fileProblems({ data, context }: FileAidRequest): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (data.amountRequested < MIN_AMOUNT_CENTS || data.amountRequested > MAX_AMOUNT_CENTS) {
    problems.push({ field: 'amountRequested', message: `amountRequested must be from ${MIN_AMOUNT_CENTS} to ${MAX_AMOUNT_CENTS} cents` });
  }
  const isIncident = data.kind === 'incident_response';
  if (isIncident && !data.incident) problems.push({ field: 'incident', message: 'incident is required when kind is incident_response' });
  if (!isIncident && data.incident) problems.push({ field: 'incident', message: 'incident must not be given when kind is capacity_building' });
  if (isIncident && data.capacity) problems.push({ field: 'capacity', message: 'capacity must not be given when kind is incident_response' });
  if (!isIncident && !data.capacity) problems.push({ field: 'capacity', message: 'capacity is required when kind is capacity_building' });

  if (data.incident && data.incident.detectedAt.getTime() > context.now.getTime()) {
    problems.push({ field: 'incident.detectedAt', message: 'incident.detectedAt must not be in the future' });
  }
  if (data.capacity) {
    const total = data.capacity.milestones.reduce((sum, m) => sum + m.amount, 0n);
    if (total !== data.amountRequested) {
      problems.push({
        field: 'capacity.milestones',
        message: `milestone amounts sum to ${total}, but amountRequested is ${data.amountRequested}`,
      });
    }
  }
  return problems;
}

function triageInput(filed: FiledRequest): TriageInput {
  return {
    kind: filed.kind,
    actionArea: filed.actionArea,
    amountRequested: filed.amountRequested,
    filedAt: new Date(filed.filedAt),
    incident: filed.incident && { severity: filed.incident.severity, ongoing: filed.incident.ongoing, sectors: filed.incident.sectors },
    capacity: filed.capacity && { sectors: filed.capacity.sectors, durationMonths: filed.capacity.durationMonths },
  };
}

function autoTriage(command: AutoTriage, state: ExistingAidRequest): Decision {
  // Only a submitted request is triaged automatically; a repeated job finds it done.
  if (state.status !== 'submitted') return [];
  const decision = triage(triageInput(state.filed), command.config);
  const triaged: AidRequestTriaged = {
    type: 'AidRequestTriaged',
    data: {
      requestId: state.filed.requestId,
      track: decision.track,
      priority: decision.priority,
      reasons: decision.reasons,
      acknowledgeBy: decision.acknowledgeBy.toISOString(),
      decideBy: decision.decideBy.toISOString(),
      source: { kind: 'policy' },
      triagedAt: command.context.now.toISOString(),
    },
  };
  return [triaged];
}

const OVERRIDABLE = ['submitted', 'triaged', 'under_review'] as const;

function overrideTriage(command: OverrideTriage, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('override a triage');
  if (!(OVERRIDABLE as readonly string[]).includes(state.status)) return AidRequestErrors.wrongStatus('override the triage', state.status);
  const { track, priority, reason } = command.data;
  const deadlines = slaDeadlines(new Date(state.filed.filedAt), priority, command.config);
  // Time already spent waiting for the partner stays credited to the decide deadline.
  const pausedMs = isAssessed(state) ? state.assessment.decidePausedMs : 0;
  const decideBy = new Date(deadlines.decideBy.getTime() + pausedMs);
  return [
    {
      type: 'AidRequestTriaged',
      data: {
        requestId: state.filed.requestId,
        track,
        priority,
        reasons: [`officer ${actor.sub} overrode the triage: ${track}, priority ${priority}. Reason: ${reason}`],
        acknowledgeBy: deadlines.acknowledgeBy.toISOString(),
        decideBy: decideBy.toISOString(),
        source: { kind: 'officer', officer: actor.sub, reason },
        triagedAt: now.toISOString(),
      },
    },
  ];
}

function claim(command: ClaimAidRequest, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('claim a request');
  if (state.status !== 'triaged') return AidRequestErrors.wrongStatus('claim the request', state.status);
  return [
    {
      type: 'AidRequestClaimed',
      data: {
        requestId: state.filed.requestId,
        officer: actor.sub,
        claimedAt: now.toISOString(),
        acknowledgedInTime: now.getTime() <= Date.parse(state.assessment.triage.acknowledgeBy),
      },
    },
  ];
}

function checkSla(command: CheckSla, state: ExistingAidRequest): Decision {
  if (!isAssessed(state)) return [];
  const { deadline, dueAt } = command.data;
  const { triage: current, acknowledgedAt, slaBreaches } = state.assessment;
  const currentDue = deadline === 'acknowledge' ? current.acknowledgeBy : current.decideBy;
  // A timer for a deadline that has since moved (a triage override) is stale.
  if (Date.parse(currentDue) !== Date.parse(dueAt)) return [];
  // A decided request met its decide deadline (or was breached by then); while the partner is
  // asked for information the decide clock stands still.
  if (deadline === 'decide' && (!isUndecided(state) || state.status === 'information_requested')) return [];
  const now = command.context.now;
  if (now.getTime() < Date.parse(dueAt)) return [];
  if (slaBreaches.includes(deadline)) return [];
  if (deadline === 'acknowledge' && acknowledgedAt !== null && Date.parse(acknowledgedAt) <= Date.parse(dueAt)) return [];
  return [
    {
      type: 'SlaBreached',
      data: {
        requestId: state.filed.requestId,
        deadline,
        dueAt: currentDue,
        detectedAt: now.toISOString(),
        previousPriority: current.priority,
        priority: raisePriority(current.priority),
      },
    },
  ];
}

function flagPossibleDuplicate(command: FlagPossibleDuplicate, state: ExistingAidRequest): Decision {
  if (!isAssessed(state)) return AidRequestErrors.wrongStatus('flag a duplicate', state.status);
  const { duplicateOf, reason } = command.data;
  if (duplicateOf === state.filed.requestId) {
    return AidRequestErrors.invalid([{ field: 'duplicateOf', message: 'a request cannot duplicate itself' }]);
  }
  if (state.assessment.duplicates.some((d) => d.requestId === duplicateOf)) return [];
  return [
    {
      type: 'PossibleDuplicateFlagged',
      data: { requestId: state.filed.requestId, duplicateOf, reason, flaggedAt: command.context.now.toISOString() },
    },
  ];
}

function scoreCapacity(command: ScoreCapacityRequest, state: ExistingAidRequest): Decision {
  if (!isAssessed(state)) return AidRequestErrors.wrongStatus('score the request', state.status);
  if (state.assessment.triage.track !== 'capacity_building') return AidRequestErrors.wrongStatus('score a rapid-response request', state.status);
  if (state.assessment.scoring !== null) return [];
  const { filed } = state;
  const now = command.context.now;
  const result = scoreCapacityRequest({
    actionArea: filed.actionArea,
    sectors: filed.capacity?.sectors ?? filed.incident?.sectors ?? [],
    durationMonths: filed.capacity?.durationMonths ?? 0,
    amountRequested: filed.amountRequested,
    milestones: filed.capacity?.milestones.map((m) => ({ amount: fromCentsString(m.amount) })) ?? [{ amount: filed.amountRequested }],
    windowAvailable: command.data.windowAvailable,
  });
  const round = nextReviewRound(now);
  return [
    {
      type: 'CapacityRequestScored',
      data: {
        requestId: filed.requestId,
        score: result.score,
        breakdown: result.breakdown,
        windowAvailable: command.data.windowAvailable === null ? null : toCentsString(command.data.windowAvailable),
        scoredAt: now.toISOString(),
      },
    },
    {
      type: 'AssignedToReviewRound',
      data: { requestId: filed.requestId, roundId: round.roundId, closesAt: round.closesAt.toISOString(), assignedAt: now.toISOString() },
    },
  ];
}

/** A partner acts only on its own country's requests; any other is as if it did not exist. */
function partnerOwns(context: CommandContext, state: ExistingAidRequest): boolean {
  return context.actor.role === 'partner' && context.actor.country === state.filed.country;
}

function requestInformation(command: RequestInformation, state: ExistingAidRequest): Decision {
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

function provideInformation(command: ProvideInformation, state: ExistingAidRequest): Decision {
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

function approve(command: ApproveAidRequest, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('approve a request');
  const { amountApproved } = command.data;
  if (state.status === 'awaiting_second_approval') {
    const first = state.firstApproval;
    if (first.officer === actor.sub) return AidRequestErrors.sameOfficer();
    if (amountApproved !== first.amountApproved) return AidRequestErrors.approvalMismatch(first.amountApproved);
    const tranches = first.tranches.map((t) => ({ number: t.number, amount: toCentsString(t.amount) }));
    const source = { fiscalYear: first.fiscalYear, window: first.window };
    return [
      {
        type: 'ApprovalRecorded',
        data: { requestId: state.filed.requestId, officer: actor.sub, amountApproved: toCentsString(amountApproved), tranches, ...source, awaitingSecondApproval: false, approvedAt: now.toISOString() },
      },
      {
        type: 'GrantApproved',
        data: { requestId: state.filed.requestId, amountApproved: toCentsString(amountApproved), tranches, ...source, approvals: [first.officer, actor.sub], approvedAt: now.toISOString() },
      },
    ];
  }
  if (state.status !== 'under_review') return AidRequestErrors.wrongStatus('approve the request', state.status);
  if (amountApproved <= 0n || amountApproved > state.filed.amountRequested) {
    return AidRequestErrors.invalid([{ field: 'amountApproved', message: `amountApproved must be from 1 to the ${state.filed.amountRequested} cents requested` }]);
  }
  const tranches = tranchesFor(state, amountApproved, command.data.tranches);
  if (tranches instanceof DomainError) return tranches;
  const source = {
    fiscalYear: fiscalYearOf(new Date(state.filed.filedAt), command.policy.fiscalYearStartMonth),
    window: state.assessment.triage.track,
  };
  const awaitingSecondApproval = amountApproved >= command.policy.fourEyesThreshold;
  const recorded: AidRequestEvent = {
    type: 'ApprovalRecorded',
    data: { requestId: state.filed.requestId, officer: actor.sub, amountApproved: toCentsString(amountApproved), tranches, ...source, awaitingSecondApproval, approvedAt: now.toISOString() },
  };
  if (awaitingSecondApproval) return [recorded];
  return [
    recorded,
    {
      type: 'GrantApproved',
      data: { requestId: state.filed.requestId, amountApproved: toCentsString(amountApproved), tranches, ...source, approvals: [actor.sub], approvedAt: now.toISOString() },
    },
  ];
}

/** Money a first approval reserved in the fund (returned when the request ends without a grant). */
function reservationOf(state: ExistingAidRequest): AidRequestRejected['data']['released'] {
  if (state.status !== 'awaiting_second_approval') return null;
  const { fiscalYear, window, amountApproved } = state.firstApproval;
  return { fiscalYear, window, amount: toCentsString(amountApproved) };
}

function reject(command: RejectAidRequest, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('reject a request');
  if (state.status !== 'under_review' && state.status !== 'awaiting_second_approval') return AidRequestErrors.wrongStatus('reject the request', state.status);
  const released = reservationOf(state);
  return [
    { type: 'AidRequestRejected', data: { requestId: state.filed.requestId, officer: actor.sub, reason: command.data.reason, rejectedAt: now.toISOString(), released } },
  ];
}

function withdraw(command: WithdrawAidRequest, state: ExistingAidRequest): Decision {
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

function releaseTranche(command: ReleaseTranche, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('release a tranche');
  if (state.status !== 'approved') return AidRequestErrors.wrongStatus('release a tranche', state.status);
  const tranche = state.grant.tranches.find((t) => t.number === command.data.tranche);
  if (tranche === undefined) return AidRequestErrors.trancheUnknown(command.data.tranche);
  if (tranche.status !== 'pending') return AidRequestErrors.trancheState(tranche.number, `already ${tranche.status}`);
  return [
    {
      type: 'TrancheReleased',
      data: {
        requestId: state.filed.requestId,
        tranche: tranche.number,
        amount: toCentsString(tranche.amount),
        fiscalYear: state.grant.fiscalYear,
        window: state.grant.window,
        releasedBy: actor.sub,
        releasedAt: now.toISOString(),
      },
    },
  ];
}

function disburseTranche(command: DisburseTranche, state: ExistingAidRequest): Decision {
  const role = command.context.actor.role;
  if (role !== 'system' && role !== 'officer') return AidRequestErrors.officerOnly('disburse a tranche');
  if (state.status !== 'approved' && state.status !== 'closed') return AidRequestErrors.wrongStatus('disburse a tranche', state.status);
  const tranche = state.grant.tranches.find((t) => t.number === command.data.tranche);
  if (tranche === undefined) return AidRequestErrors.trancheUnknown(command.data.tranche);
  if (tranche.status === 'disbursed') return [];
  if (tranche.status !== 'released') return AidRequestErrors.trancheState(tranche.number, 'not released');
  return [
    {
      type: 'TrancheDisbursed',
      data: {
        requestId: state.filed.requestId,
        tranche: tranche.number,
        amount: toCentsString(tranche.amount),
        fiscalYear: state.grant.fiscalYear,
        window: state.grant.window,
        disbursedAt: command.context.now.toISOString(),
      },
    },
  ];
}

function reportProgress(command: ReportProgress, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (!partnerOwns(command.context, state)) return AidRequestErrors.notFound();
  if (state.status !== 'approved') return AidRequestErrors.wrongStatus('report progress', state.status);
  const { summary, final } = command.data;
  const pending = state.grant.tranches.filter((t) => t.status !== 'disbursed').length;
  if (final && pending > 0) return AidRequestErrors.notAllDisbursed(pending);
  const reported: AidRequestEvent = {
    type: 'ProgressReported',
    data: { requestId: state.filed.requestId, summary, final, reportedBy: actor.sub, reportedAt: now.toISOString() },
  };
  return final ? [reported, { type: 'GrantClosed', data: { requestId: state.filed.requestId, closedAt: now.toISOString() } }] : [reported];
}
