import { DOCUMENT_KINDS } from '../../aid-requests/domain/document.values';
import { TLP_LABELS } from '../../kernel/tlp';
import { DOCUMENT_MEDIA_TYPES } from '../upload/media-type';

/** OpenAPI schemas of the document routes (multipart bodies and stream answers have no DTO to describe them). */
export const UPLOAD_SCHEMA = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', format: 'binary', description: 'exactly one file part; its type is detected from its bytes' },
    kind: { type: 'string', enum: [...DOCUMENT_KINDS], default: 'other' },
    tlp: { type: 'string', enum: [...TLP_LABELS], default: 'AMBER' },
  },
};

export const DOCUMENT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    requestId: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    mediaType: { type: 'string', enum: [...DOCUMENT_MEDIA_TYPES] },
    size: { type: 'integer' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    kind: { type: 'string', enum: [...DOCUMENT_KINDS] },
    tlp: { type: 'string', enum: [...TLP_LABELS] },
    uploadedBy: { type: 'object', properties: { sub: { type: 'string' }, role: { type: 'string' } } },
    uploadedAt: { type: 'string', format: 'date-time' },
  },
};

export const DOCUMENT_LIST_SCHEMA = { type: 'object', properties: { items: { type: 'array', items: DOCUMENT_SCHEMA } } };

export const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};
