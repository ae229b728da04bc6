import type { SchemaObject } from '@nestjs/swagger';
import { namedSchema } from '../../http/api-docs';

/** OpenAPI schemas of the audit answers (their TypeScript types are interfaces, which leave no metadata). */

const hex: SchemaObject = { type: 'string', pattern: '^[0-9a-f]+$' };
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };

function object(properties: Record<string, SchemaObject>, optional: readonly string[] = []): SchemaObject {
  return { type: 'object', required: Object.keys(properties).filter((key) => !optional.includes(key)), properties };
}

export const PUBLIC_KEY_SCHEMA = object({
  keyId: { type: 'string', pattern: '^[0-9a-f]{8}$', description: 'C2SP key id, hex' },
  keyName: { type: 'string', example: 'cdt-fund/audit-log' },
  publicKeyPem: { type: 'string', description: 'Ed25519 public key, SPKI PEM' },
});

export const CHECKPOINT_SCHEMA = namedSchema('Checkpoint', object({
  treeSize: { type: 'integer' },
  rootHash: hex,
  chainHead: hex,
  signedAt: dateTime,
  keyId: hex,
  note: { type: 'string', description: 'the C2SP signed note' },
}));

export const AUDIT_EVENT_SCHEMA = namedSchema('AuditEvent', object({
  seq: { type: 'integer', description: 'the ledger sequence number (leaf index)' },
  position: { type: 'integer' },
  streamId: { type: 'string' },
  version: { type: 'integer' },
  type: { type: 'string' },
  schemaVersion: { type: 'integer' },
  data: { type: 'object', description: 'the event as stored: personal data in its stored, encrypted form (AidRequestFiled.data.contact is a StoredContact)' },
  metadata: { type: 'object' },
  recordedAt: dateTime,
}));

export const INCLUSION_PROOF_SCHEMA = object({ seq: { type: 'integer' }, treeSize: { type: 'integer' }, leafHash: hex, auditPath: { type: 'array', items: hex } });

export const CONSISTENCY_PROOF_SCHEMA = object({ from: { type: 'integer' }, to: { type: 'integer' }, proof: { type: 'array', items: hex } });

export const VERIFICATION_SCHEMA = object(
  {
    ok: { type: 'boolean' },
    verifiedEvents: { type: 'integer' },
    signedEvents: { type: 'integer' },
    checkpoints: { type: 'integer' },
    verifiedDocuments: { type: 'integer', description: 'with ?documents=true' },
    firstMismatch: {
      description: 'where the log (or, with ?documents=true, a document) stops matching',
      oneOf: [
        object({ seq: { type: 'integer' }, position: { type: ['integer', 'null'] }, reason: { type: 'string' } }),
        object({ documentId: { type: 'string', format: 'uuid' }, reason: { type: 'string' } }),
      ],
    },
  },
  ['verifiedDocuments', 'firstMismatch'],
);
