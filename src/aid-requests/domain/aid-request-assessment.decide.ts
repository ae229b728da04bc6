import { fromCentsString, toCentsString } from '../../kernel/money';
import { nextReviewRound } from '../../kernel/review-round';
import type { AutoTriage, CheckSla, ClaimAidRequest, FlagPossibleDuplicate, OverrideTriage, ScoreCapacityRequest } from './aid-request.commands';
import type { Decision } from './aid-request.decision';
import { AidRequestErrors } from './aid-request.errors';
import type { AidRequestTriaged } from './aid-request.events';
import { isAssessed, isUndecided, type ExistingAidRequest, type FiledRequest } from './aid-request.state';
import { scoreCapacityRequest } from './capacity-scoring.policy';
import { raisePriority, slaDeadlines, triage, type TriageInput } from './triage.policy';

/*
 * Assessment: what the fund makes of a filed request before deciding on it. Automatic and
 * overridden triage, an officer's claim (acknowledging it), SLA checks, likely duplicates, and the
 * capacity-building score with its review round.
 */

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

export function autoTriage(command: AutoTriage, state: ExistingAidRequest): Decision {
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

export function overrideTriage(command: OverrideTriage, state: ExistingAidRequest): Decision {
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

export function claim(command: ClaimAidRequest, state: ExistingAidRequest): Decision {
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

export function checkSla(command: CheckSla, state: ExistingAidRequest): Decision {
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

export function flagPossibleDuplicate(command: FlagPossibleDuplicate, state: ExistingAidRequest): Decision {
  // Withdrawn before its follow-up ran: nothing is left to flag, and nothing failed.
  if (state.status === 'withdrawn') return [];
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

export function scoreCapacity(command: ScoreCapacityRequest, state: ExistingAidRequest): Decision {
  // Withdrawn before its follow-up ran: nothing is left to score, and nothing failed.
  if (state.status === 'withdrawn') return [];
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
