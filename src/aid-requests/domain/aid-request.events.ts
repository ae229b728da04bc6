import type { DomainEvent } from '@app/event-store';
import type { ActionArea, CentsString, RequestKind, Sector, Severity } from './aid-request.values';

export interface IncidentDetails {
  readonly severity: Severity;
  readonly ongoing: boolean;
  readonly detectedAt: string;
  readonly sectors: readonly Sector[];
}

export interface CapacityDetails {
  readonly durationMonths: number;
  readonly sectors: readonly Sector[];
  readonly milestones: readonly { readonly title: string; readonly amount: CentsString }[];
}

export interface Contact {
  readonly name: string;
  readonly email: string;
}

interface AidRequestFiledCommon {
  readonly requestId: string;
  readonly country: string;
  readonly title: string;
  readonly description: string;
  readonly actionArea: ActionArea;
  readonly amountRequested: CentsString;
  readonly contact: Contact | null;
  readonly filedBy: string;
  readonly filedAt: string;
}

export type AidRequestFiledData =
  | (AidRequestFiledCommon & { readonly kind: Extract<RequestKind, 'incident_response'>; readonly incident: IncidentDetails })
  | (AidRequestFiledCommon & { readonly kind: Extract<RequestKind, 'capacity_building'>; readonly capacity: CapacityDetails });

export type AidRequestFiled = DomainEvent<'AidRequestFiled', AidRequestFiledData>;

export type AidRequestEvent = AidRequestFiled;

export const AID_REQUEST_STREAM_TYPE = 'aid-request';

export function aidRequestStreamId(requestId: string): string {
  return `${AID_REQUEST_STREAM_TYPE}-${requestId}`;
}
