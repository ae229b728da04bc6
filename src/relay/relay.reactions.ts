import type { RecordedEvent } from '@app/event-store';
import type { AidRequestEvent } from '../aid-requests/domain/aid-request.events';
import type { AlertJob, JobRequest, JobTrace } from '../queues/queue-definitions';
import { addDuration, parseCalendarDuration } from '../kernel/calendar';

/**
 * Which event types have reactions: every type of the aid-request stream, listed so the compiler
 * keeps the list complete, `true` where `reactionsTo` can return jobs (relay.reactions.spec.ts
 * checks that the two agree). The relay reads the payloads of these types only; events of other
 * types and other aggregates are passed over.
 */
const REACTS: { readonly [T in AidRequestEvent['type']]: boolean } = {
  AidRequestFiled: true,
  AidRequestTriaged: true,
  TrancheReleased: true,
  SlaBreached: true,
  PossibleDuplicateFlagged: true,
  GrantApproved: true,
  AmendmentApproved: true,
  ReportOverdue: true,
  AmendmentProposed: false,
  AmendmentRejected: false,
  // Its moved decide deadline is a column of the request's view: the SLA sweep reads it there.
  InformationProvided: false,
  AidRequestClaimed: false,
  CapacityRequestScored: false,
  AssignedToReviewRound: false,
  InformationRequested: false,
  ApprovalRecorded: false,
  AidRequestRejected: false,
  AidRequestWithdrawn: false,
  TrancheDisbursed: false,
  ProgressReported: false,
  GrantClosed: false,
  DocumentAttached: false,
  PersonalDataErased: false,
};

/** The event types the relay reacts to (see REACTS). */
export const RELAYED_EVENT_TYPES: readonly string[] = Object.entries(REACTS)
  .filter(([, reacts]) => reacts)
  .map(([type]) => type);

/**
 * What must happen after each kind of event, as jobs with ids derived from the event (or, for
 * deadlines, from the request and the deadline), so that relaying an event twice adds nothing.
 * Pure: the relay supplies `now` to turn deadlines into delays.
 */
export function reactionsTo(event: RecordedEvent, now: Date): JobRequest[] {
  const domainEvent = { type: event.type, data: event.data } as AidRequestEvent;
  const trace: JobTrace = {
    causationId: event.eventId,
    correlationId: event.metadata.correlationId ?? event.eventId,
    ...(event.metadata.requestId === undefined ? {} : { requestId: event.metadata.requestId }),
    ...(typeof event.metadata['traceparent'] === 'string' ? { traceparent: event.metadata['traceparent'] } : {}),
  };
  switch (domainEvent.type) {
    case 'AidRequestFiled':
      return [{ queue: 'triage', name: 'triage-request', data: { requestId: domainEvent.data.requestId, trace }, jobId: `${event.eventId}-triage` }];
    case 'AidRequestTriaged': {
      // The SLA deadlines need no job: they are columns of the request's view, written in the
      // triage transaction, and the recurring SLA sweep fires every deadline that has passed.
      const { requestId, track, priority } = domainEvent.data;
      return [
        track === 'rapid_response'
          ? { queue: 'incident-response', name: 'assess-incident', data: { requestId, trace }, jobId: `${event.eventId}-incident-response`, priority }
          : { queue: 'capacity-grants', name: 'score-request', data: { requestId, trace }, jobId: `${event.eventId}-capacity-grants` },
      ];
    }
    case 'TrancheReleased': {
      const { requestId, tranche } = domainEvent.data;
      const jobId = `${event.eventId}-disbursement`;
      return [{ queue: 'disbursements', name: 'disburse-tranche', data: { requestId, tranche, trace }, jobId }];
    }
    case 'SlaBreached':
      return [alert(event, 'sla_breached', domainEvent.data.requestId, trace)];
    case 'PossibleDuplicateFlagged':
      return [alert(event, 'possible_duplicate', domainEvent.data.requestId, trace)];
    case 'GrantApproved': {
      // A capacity grant's first report timer; each timer, once checked, sets the next one.
      const { requestId, approvedAt, reportingInterval } = domainEvent.data;
      const interval = reportingInterval == null ? undefined : parseCalendarDuration(reportingInterval);
      if (interval === undefined) return [];
      return [reportTimer(requestId, addDuration(new Date(approvedAt), interval, 1).toISOString(), now, trace)];
    }
    case 'AmendmentApproved': {
      // An extension adds due dates: check at once, which times the next one (a no-op if it already is).
      const { requestId, effect, awaitingSecondApproval, approvedAt } = domainEvent.data;
      if (effect.type !== 'no_cost_extension' || awaitingSecondApproval) return [];
      return [{ queue: 'sla', name: 'check-reports', data: { requestId, dueAt: approvedAt, trace }, jobId: `${event.eventId}-reports` }];
    }
    case 'ReportOverdue':
      return [alert(event, 'report_overdue', domainEvent.data.requestId, trace)];
    case 'AidRequestClaimed':
    case 'CapacityRequestScored':
    case 'AssignedToReviewRound':
    case 'InformationRequested':
    case 'ApprovalRecorded':
    case 'AidRequestRejected':
    case 'AidRequestWithdrawn':
    case 'TrancheDisbursed':
    case 'ProgressReported':
    case 'GrantClosed':
    case 'AmendmentProposed':
    case 'AmendmentRejected':
    case 'InformationProvided':
      return [];
    default:
      // Events of other aggregates need no reaction (yet).
      return [];
  }
}

/** One durable timer per report due date: the id is the request and the date, so setting it again adds nothing. */
export function reportTimer(requestId: string, dueAt: string, now: Date, trace: JobTrace): JobRequest<'sla'> {
  const due = Date.parse(dueAt);
  return {
    queue: 'sla',
    name: 'check-reports',
    data: { requestId, dueAt, trace },
    jobId: `report-${requestId}-${due}`,
    delayMs: Math.max(0, due - now.getTime()),
  };
}

function alert(event: RecordedEvent, kind: AlertJob['kind'], requestId: string, trace: JobTrace): JobRequest<'notifications'> {
  const alertId = `${event.eventId}-alert`;
  return { queue: 'notifications', name: 'send-alert', data: { alertId, kind, requestId, trace }, jobId: alertId };
}
