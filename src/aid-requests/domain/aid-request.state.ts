import type { ActionArea, RequestKind } from './aid-request.values';
import type { CapacityDetails, Contact, IncidentDetails } from './aid-request.events';

/** What was filed; fixed for the life of the request. */
export interface FiledRequest {
  readonly requestId: string;
  readonly country: string;
  readonly kind: RequestKind;
  readonly title: string;
  readonly description: string;
  readonly actionArea: ActionArea;
  readonly amountRequested: bigint;
  readonly incident: IncidentDetails | null;
  readonly capacity: CapacityDetails | null;
  readonly contact: Contact | null;
  readonly filedBy: string;
  readonly filedAt: string;
}

export interface NoRequest {
  readonly status: 'none';
}

export interface SubmittedRequest {
  readonly status: 'submitted';
  readonly filed: FiledRequest;
  readonly updatedAt: string;
}

/** A request's state, by status: each status carries exactly the fields that exist in it. */
export type AidRequestState = NoRequest | SubmittedRequest;

export type ExistingAidRequest = Exclude<AidRequestState, NoRequest>;

export const initialAidRequestState = (): AidRequestState => ({ status: 'none' });
