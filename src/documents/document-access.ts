import type { Actor } from '../auth/actor';
import type { AidRequestView } from '../aid-requests/projections/aid-request-view';
import type { DocumentView } from './document-view';

/**
 * TLP 2.0 on a document's content. CLEAR, GREEN and AMBER content goes to everyone who may read
 * the request. AMBER+STRICT and RED content goes only to the filing country's partners and the
 * officer assigned to the request, and RED content also to whoever uploaded it. Metadata and the
 * hash stay visible to all who may read the request, so integrity can be checked without reading.
 */
export function mayReadContent(actor: Actor, document: DocumentView, request: AidRequestView): boolean {
  if (document.tlp !== 'AMBER+STRICT' && document.tlp !== 'RED') return true;
  if (actor.role === 'partner' && actor.country === request.country) return true;
  if (actor.role === 'officer' && request.assignedOfficer === actor.sub) return true;
  return document.tlp === 'RED' && document.uploadedBy.sub === actor.sub && document.uploadedBy.role === actor.role;
}
