import type { AttachDocument } from './aid-request.commands';
import { partnerOwns, type Decision } from './aid-request.decision';
import { AidRequestErrors } from './aid-request.errors';
import type { ExistingAidRequest } from './aid-request.state';

/** Statuses in which a request takes no more documents. */
const CLOSED_TO_DOCUMENTS: ReadonlySet<ExistingAidRequest['status']> = new Set(['rejected', 'withdrawn', 'closed']);

/**
 * Documents: a partner of the filing country or an officer attaches one whose bytes are already
 * stored; the event carries the metadata and the SHA-256, never the content.
 */
export function attachDocument(command: AttachDocument, state: ExistingAidRequest): Decision {
  const { data, context } = command;
  const { actor, now } = context;
  if (actor.role === 'partner') {
    if (!partnerOwns(context, state)) return AidRequestErrors.notFound();
  } else if (actor.role !== 'officer') {
    return AidRequestErrors.documentRole();
  }
  if (CLOSED_TO_DOCUMENTS.has(state.status)) return AidRequestErrors.wrongStatus('attach a document', state.status);
  if (state.filed.documentCount >= data.maxPerRequest) return AidRequestErrors.tooManyDocuments(data.maxPerRequest);
  return [
    {
      type: 'DocumentAttached',
      data: {
        id: data.documentId,
        requestId: state.filed.requestId,
        name: data.name,
        mediaType: data.mediaType,
        size: data.size,
        sha256: data.sha256,
        kind: data.kind,
        tlp: data.tlp,
        uploadedBy: { sub: actor.sub, role: actor.role },
        uploadedAt: now.toISOString(),
      },
    },
  ];
}
