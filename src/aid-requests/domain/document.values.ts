/** What a document attached to a request is. */
export const DOCUMENT_KINDS = ['budget', 'incident_report', 'evidence', 'progress_report', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
