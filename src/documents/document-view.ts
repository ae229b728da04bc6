import type { DocumentAttached } from '../aid-requests/domain/aid-request.events';

/** A document as the API shows it: exactly what its DocumentAttached event recorded. */
export type DocumentView = DocumentAttached['data'];

export function documentLocation(requestId: string, documentId: string): string {
  return `/v1/aid-requests/${requestId}/documents/${documentId}`;
}
