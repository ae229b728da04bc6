import { createHash } from 'node:crypto';
import type { RecordedEvent } from '@app/event-store';
import type { AidRequestEvent } from '../../aid-requests/domain/aid-request.events';
import type { AidRequestView } from '../../aid-requests/projections/aid-request-view';
import { titleForMessage } from '../domain/webhook-title.policy';
import type { MessageType } from '../domain/webhook-types';

/**
 * Which messages each aid-request event becomes: its partner-facing type (if any) and the alert
 * for the fund's duty officers (if any). Listed for every event type so the compiler keeps the
 * mapping complete.
 */
export function messageTypesFor(event: AidRequestEvent): MessageType[] {
  switch (event.type) {
    case 'AidRequestFiled':
      return ['aid_request.filed'];
    case 'AidRequestTriaged':
      return event.data.track === 'rapid_response' && event.data.priority <= 2 ? ['aid_request.triaged', 'alert.urgent_incident'] : ['aid_request.triaged'];
    case 'AidRequestClaimed':
      return ['aid_request.under_review'];
    case 'InformationRequested':
      return ['aid_request.information_requested'];
    case 'InformationProvided':
      return ['alert.information_provided'];
    case 'ApprovalRecorded':
      return event.data.awaitingSecondApproval ? ['alert.second_approval_needed'] : [];
    case 'GrantApproved':
      return ['aid_request.approved'];
    case 'AidRequestRejected':
      return ['aid_request.rejected'];
    case 'AidRequestWithdrawn':
      return ['aid_request.withdrawn'];
    case 'TrancheDisbursed':
      return ['aid_request.tranche_disbursed'];
    case 'GrantClosed':
      return ['aid_request.closed'];
    case 'SlaBreached':
      return ['alert.sla_breached'];
    case 'PossibleDuplicateFlagged':
      return ['alert.possible_duplicate'];
    case 'ReportOverdue':
      return ['alert.report_overdue'];
    case 'CapacityRequestScored':
    case 'AssignedToReviewRound':
    case 'TrancheReleased':
    case 'ProgressReported':
    case 'DocumentAttached':
    case 'PersonalDataErased':
    case 'AmendmentProposed':
    case 'AmendmentApproved':
    case 'AmendmentRejected':
      return [];
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

/** Every aid-request event type that becomes at least one message (the fan-out reads only these). */
export const NOTIFIED_AID_REQUEST_EVENT_TYPES: readonly AidRequestEvent['type'][] = [
  'AidRequestFiled',
  'AidRequestTriaged',
  'AidRequestClaimed',
  'InformationRequested',
  'InformationProvided',
  'ApprovalRecorded',
  'GrantApproved',
  'AidRequestRejected',
  'AidRequestWithdrawn',
  'TrancheDisbursed',
  'GrantClosed',
  'SlaBreached',
  'PossibleDuplicateFlagged',
  'ReportOverdue',
];

/** The `data` of a request message: the request right after the event, and nothing confidential. */
export interface RequestMessageData {
  readonly requestId: string;
  readonly country: string;
  readonly kind: string;
  readonly status: string;
  readonly track: string | null;
  readonly priority: number | null;
  readonly version: number;
  readonly position: number;
  readonly eventType: string;
  readonly title?: string;
}

/** The body of a request message, exactly as the contract lists its fields. */
export function requestMessageBody(type: MessageType, event: RecordedEvent, view: AidRequestView): string {
  const title = titleForMessage(view.tlp, view.title);
  const data: RequestMessageData = {
    requestId: view.id,
    country: view.country,
    kind: view.kind,
    status: view.status,
    track: view.track,
    priority: view.priority,
    version: event.version,
    position: event.position,
    eventType: event.type,
    ...(title === undefined ? {} : { title }),
  };
  return JSON.stringify({ type, timestamp: event.recordedAt.toISOString(), data });
}

/** The same message to the same endpoint always has the same id (the receiver's dedupe key, `webhook-id`). */
export function messageId(eventId: string, endpointId: string, type: string): string {
  return `msg_${createHash('sha256').update(`${eventId}.${endpointId}.${type}`).digest('hex').slice(0, 32)}`;
}

/** One alert e-mail to one recipient: the same id (and Message-ID) on every retry and replay. */
export function mailId(eventId: string, type: string, recipient: string): string {
  return `mail_${createHash('sha256').update(`${eventId}.${type}.${recipient.toLowerCase()}`).digest('hex').slice(0, 32)}`;
}
