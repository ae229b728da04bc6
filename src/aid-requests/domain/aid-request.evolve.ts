import type { AidRequestEvent } from './aid-request.events';
import type { AidRequestState, Assessment, AssessedAidRequest } from './aid-request.state';
import { isAssessed } from './aid-request.state';
import { fromCentsString } from './aid-request.values';

export function evolveAidRequest(state: AidRequestState, event: AidRequestEvent): AidRequestState {
  switch (event.type) {
    case 'AidRequestFiled': {
      const data = event.data;
      return {
        status: 'submitted',
        filed: {
          requestId: data.requestId,
          country: data.country,
          kind: data.kind,
          title: data.title,
          description: data.description,
          actionArea: data.actionArea,
          amountRequested: fromCentsString(data.amountRequested),
          incident: data.kind === 'incident_response' ? data.incident : null,
          capacity: data.kind === 'capacity_building' ? data.capacity : null,
          contact: data.contact,
          filedBy: data.filedBy,
          filedAt: data.filedAt,
        },
        updatedAt: data.filedAt,
      };
    }
    case 'AidRequestTriaged': {
      if (state.status === 'none') return state;
      const { track, priority, reasons, acknowledgeBy, decideBy, source, triagedAt } = event.data;
      const triage = { track, priority, reasons, acknowledgeBy, decideBy, source };
      if (state.status === 'submitted') {
        const assessment: Assessment = {
          triage,
          acknowledgedAt: null,
          slaBreaches: [],
          duplicates: [],
          scoring: null,
          reviewRound: null,
        };
        return { status: 'triaged', filed: state.filed, updatedAt: triagedAt, assessment };
      }
      return assess(state, triagedAt, (a) => ({ ...a, triage }));
    }
    case 'AidRequestClaimed': {
      if (state.status !== 'triaged') return state;
      const { officer, claimedAt } = event.data;
      return {
        status: 'under_review',
        filed: state.filed,
        updatedAt: claimedAt,
        assessment: { ...state.assessment, acknowledgedAt: state.assessment.acknowledgedAt ?? claimedAt },
        assignedOfficer: officer,
      };
    }
    case 'SlaBreached': {
      if (!isAssessed(state)) return state;
      const { deadline, priority, detectedAt } = event.data;
      return assess(state, detectedAt, (a) => ({
        ...a,
        triage: { ...a.triage, priority },
        slaBreaches: a.slaBreaches.includes(deadline) ? a.slaBreaches : [...a.slaBreaches, deadline],
      }));
    }
    case 'PossibleDuplicateFlagged': {
      if (!isAssessed(state)) return state;
      const { duplicateOf, reason, flaggedAt } = event.data;
      return assess(state, flaggedAt, (a) => ({ ...a, duplicates: [...a.duplicates, { requestId: duplicateOf, reason }] }));
    }
    case 'CapacityRequestScored': {
      if (!isAssessed(state)) return state;
      const { score, breakdown, scoredAt } = event.data;
      return assess(state, scoredAt, (a) => ({ ...a, scoring: { score, breakdown } }));
    }
    case 'AssignedToReviewRound': {
      if (!isAssessed(state)) return state;
      const { roundId, closesAt, assignedAt } = event.data;
      return assess(state, assignedAt, (a) => ({ ...a, reviewRound: { roundId, closesAt } }));
    }
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

function assess<S extends AssessedAidRequest>(state: S, at: string, change: (assessment: Assessment) => Assessment): S {
  return { ...state, updatedAt: at, assessment: change(state.assessment) };
}
