import type { AidRequestEvent, TrancheData } from './aid-request.events';
import type { AidRequestState, Assessment, AssessedAidRequest, Tranche } from './aid-request.state';
import { isAssessed } from './aid-request.state';
import { fromCentsString } from '../../kernel/money';
import { DEFAULT_TLP } from '../../kernel/tlp';
import { evolveAmendments } from './amendment.evolve';
import { grantEnd, initialGrantMonths } from './grant-period';

/** Applies one event. An event that does not fit the state (impossible for a decided stream) leaves it unchanged. */
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
          tlp: data.tlp ?? DEFAULT_TLP,
          documentCount: 0,
        },
        updatedAt: data.filedAt,
      };
    }
    case 'AidRequestTriaged': {
      const { track, priority, reasons, acknowledgeBy, decideBy, source, triagedAt } = event.data;
      const triage = { track, priority, reasons, acknowledgeBy, decideBy, source };
      if (state.status === 'submitted') {
        const assessment: Assessment = { triage, acknowledgedAt: null, slaBreaches: [], duplicates: [], scoring: null, reviewRound: null, decidePausedMs: 0 };
        return { status: 'triaged', filed: state.filed, updatedAt: triagedAt, assessment };
      }
      if (!isAssessed(state)) return state;
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
    case 'InformationRequested': {
      if (state.status !== 'under_review') return state;
      const { question, requestedAt } = event.data;
      return { ...state, status: 'information_requested', updatedAt: requestedAt, question, requestedAt };
    }
    case 'InformationProvided': {
      if (state.status !== 'information_requested') return state;
      const { providedAt, decideBy, pausedMs } = event.data;
      return {
        status: 'under_review',
        filed: state.filed,
        updatedAt: providedAt,
        assessment: {
          ...state.assessment,
          triage: { ...state.assessment.triage, decideBy },
          decidePausedMs: state.assessment.decidePausedMs + pausedMs,
        },
        assignedOfficer: state.assignedOfficer,
      };
    }
    case 'ApprovalRecorded': {
      if (state.status !== 'under_review' || !event.data.awaitingSecondApproval) return state;
      const { officer, amountApproved, tranches, fiscalYear, window, approvedAt, dueDiligence } = event.data;
      return {
        status: 'awaiting_second_approval',
        filed: state.filed,
        updatedAt: approvedAt,
        assessment: state.assessment,
        assignedOfficer: state.assignedOfficer,
        firstApproval: { officer, amountApproved: fromCentsString(amountApproved), tranches: tranches.map(toTrancheAmount), fiscalYear, window, approvedAt, dueDiligence: dueDiligence ?? null },
      };
    }
    case 'GrantApproved': {
      if (state.status !== 'under_review' && state.status !== 'awaiting_second_approval') return state;
      const { amountApproved, tranches, approvals, fiscalYear, window, approvedAt, dueDiligence } = event.data;
      return {
        status: 'approved',
        filed: state.filed,
        updatedAt: approvedAt,
        assessment: state.assessment,
        assignedOfficer: state.assignedOfficer,
        grant: {
          amountApproved: fromCentsString(amountApproved),
          tranches: tranches.map((t): Tranche => ({ ...toTrancheAmount(t), status: 'pending' })),
          approvals,
          fiscalYear,
          window,
          approvedAt,
          dueDiligence: dueDiligence ?? null,
          endsAt: grantEnd(approvedAt, initialGrantMonths(state.filed)),
          reportingInterval: event.data.reportingInterval ?? null,
          overdueReports: [],
          amendments: [],
        },
        reports: [],
      };
    }
    case 'AidRequestRejected': {
      if (state.status !== 'under_review' && state.status !== 'awaiting_second_approval') return state;
      const { officer, reason, rejectedAt } = event.data;
      return {
        status: 'rejected',
        filed: state.filed,
        updatedAt: rejectedAt,
        assessment: state.assessment,
        rejectedBy: officer,
        reason,
        approvals: state.status === 'awaiting_second_approval' ? [state.firstApproval.officer] : [],
      };
    }
    case 'AidRequestWithdrawn': {
      if (state.status === 'none' || state.status === 'approved' || state.status === 'rejected' || state.status === 'closed' || state.status === 'withdrawn') {
        return state;
      }
      const { reason, withdrawnAt } = event.data;
      return { status: 'withdrawn', filed: state.filed, updatedAt: withdrawnAt, assessment: isAssessed(state) ? state.assessment : null, reason };
    }
    case 'TrancheReleased': {
      if (state.status !== 'approved') return state;
      const { tranche, releasedAt } = event.data;
      return { ...state, updatedAt: releasedAt, grant: withTranche(state.grant, tranche, (t) => ({ number: t.number, amount: t.amount, status: 'released' })) };
    }
    case 'TrancheDisbursed': {
      if (state.status !== 'approved') return state;
      const { tranche, disbursedAt } = event.data;
      const disbursed = (t: Tranche): Tranche => ({ number: t.number, amount: t.amount, status: 'disbursed', reportedSince: false });
      return { ...state, updatedAt: disbursedAt, grant: withTranche(state.grant, tranche, disbursed) };
    }
    case 'ProgressReported': {
      if (state.status !== 'approved') return state;
      const { summary, final, reportedAt } = event.data;
      // A report counts for every tranche disbursed before it (the next tranche of a risky grant waits for one).
      const tranches = state.grant.tranches.map((t): Tranche => (t.status === 'disbursed' ? { ...t, reportedSince: true } : t));
      return { ...state, updatedAt: reportedAt, grant: { ...state.grant, tranches }, reports: [...state.reports, { summary, final, reportedAt }] };
    }
    case 'GrantClosed': {
      if (state.status !== 'approved') return state;
      return { ...state, status: 'closed', updatedAt: event.data.closedAt, closedAt: event.data.closedAt };
    }
    case 'DocumentAttached': {
      if (state.status === 'none') return state;
      return { ...state, filed: { ...state.filed, documentCount: state.filed.documentCount + 1 }, updatedAt: event.data.uploadedAt };
    }
    case 'PersonalDataErased': {
      if (state.status === 'none') return state;
      const contact = event.data.sealedPlaintextRemains ? { erased: true as const, sealedPlaintextRemains: true as const } : { erased: true as const };
      return { ...state, filed: { ...state.filed, contact }, updatedAt: event.data.erasedAt };
    }
    case 'AmendmentProposed':
    case 'AmendmentApproved':
    case 'AmendmentRejected':
    case 'ReportOverdue':
      return evolveAmendments(state, event);
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

function toTrancheAmount(tranche: TrancheData): { number: number; amount: bigint } {
  return { number: tranche.number, amount: fromCentsString(tranche.amount) };
}

function withTranche<G extends { tranches: readonly Tranche[] }>(grant: G, number: number, change: (tranche: Tranche) => Tranche): G {
  return { ...grant, tranches: grant.tranches.map((t) => (t.number === number ? change(t) : t)) };
}

function assess<S extends AssessedAidRequest>(state: S, at: string, change: (assessment: Assessment) => Assessment): S {
  return { ...state, updatedAt: at, assessment: change(state.assessment) };
}
