import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import { ApiIfMatch, ApiJsonBody, ApiProblems, ApiUuidParam, ETAG_HEADER, LOCATION_HEADER, namedSchema, nullable, REPLAYED_HEADER } from '../http/api-docs';
import { TLP_LABELS } from '../kernel/tlp';
import { TRACKS } from '../kernel/track';
import { RISK_LEVELS } from '../kernel/due-diligence';
import { AMENDMENT_TYPES } from './domain/amendment.events';
import { ACTION_AREAS, REQUEST_KINDS, REQUEST_STATUSES, SECTORS, SEVERITIES } from './domain/aid-request.values';

/** OpenAPI schemas of the aid-request answers (their TypeScript types are interfaces, which leave no metadata). */

const string: SchemaObject = { type: 'string' };
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };
const cents: SchemaObject = { type: 'integer', description: 'US cents' };
const strings: SchemaObject = { type: 'array', items: string };

function object(properties: Record<string, SchemaObject>, description?: string): SchemaObject {
  return { type: 'object', required: Object.keys(properties), properties, ...(description === undefined ? {} : { description }) };
}

/** Contact details as the API shows them to those who may read the request. */
const CONTACT_SCHEMA: SchemaObject = object({ name: string, email: { type: 'string', format: 'email' } }, 'the contact details, decrypted for this answer');

/** Contact details after their erasure (crypto-shredding). */
const ERASED_CONTACT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['erased'],
  properties: {
    erased: { type: 'boolean', enum: [true] },
    sealedPlaintextRemains: {
      type: 'boolean',
      enum: [true],
      description: 'only for a request filed before contacts were encrypted: its plaintext remains in the sealed AidRequestFiled event',
    },
  },
  description: 'the contact details were erased: their key is destroyed (POST /v1/aid-requests/{id}/contact/erase)',
};

/**
 * How AidRequestFiled (schemaVersion 2) stores `contact`, and so how the audit feed and export
 * carry it: AES-256-GCM under the request's own data key, each part in base64. The view and the
 * timeline show it decrypted (or erased) instead.
 */
export const STORED_CONTACT = namedSchema('StoredContact', {
  type: 'object',
  required: ['encrypted'],
  properties: {
    encrypted: object({
      v: { type: 'integer', enum: [1], description: 'format version' },
      iv: { type: 'string', format: 'byte', description: '96-bit random IV' },
      ciphertext: { type: 'string', format: 'byte', description: 'the JSON {"name","email"}, encrypted; the request id is the additional authenticated data' },
      tag: { type: 'string', format: 'byte', description: '128-bit GCM tag' },
    }),
  },
  description:
    'AidRequestFiled.data.contact as stored (schemaVersion 2) and as the audit feed and export carry it. Schema-1 events, recorded before contacts were encrypted, read as { "legacyPlaintext": true }.',
});

/** One amendment: the answer to its proposal, and each item of the view's `amendments`. */
export const AMENDMENT_SCHEMA = namedSchema('Amendment', {
  type: 'object',
  required: ['id', 'type', 'status', 'reason', 'proposedAt', 'decidedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string', enum: [...AMENDMENT_TYPES] },
    status: { type: 'string', enum: ['proposed', 'awaiting_second_approval', 'approved', 'rejected'] },
    reason: string,
    proposedAt: dateTime,
    decidedAt: nullable(dateTime),
    months: { type: 'integer', minimum: 1, maximum: 24, description: 'no_cost_extension' },
    tranches: { type: 'array', items: object({ amount: cents }), description: 'budget_revision: the new split of what is not yet disbursed' },
    amount: { ...cents, description: 'cost_increase, in US cents' },
    description: { type: 'string', description: 'scope_change: the new scope' },
  },
});

/** The request view: `GET /v1/aid-requests/{id}` and every action's answer. */
export const AID_REQUEST_VIEW_SCHEMA: SchemaObject = object({
  id: { type: 'string', format: 'uuid' },
  country: { type: 'string', pattern: '^[A-Z]{2}$' },
  kind: { type: 'string', enum: [...REQUEST_KINDS] },
  title: string,
  description: string,
  actionArea: { type: 'string', enum: [...ACTION_AREAS] },
  status: { type: 'string', enum: [...REQUEST_STATUSES] },
  track: nullable({ type: 'string', enum: [...TRACKS, null] as string[] }),
  priority: nullable({ type: 'integer', minimum: 1, maximum: 5, description: '1 is the most urgent' }),
  triageReasons: strings,
  amountRequested: cents,
  amountApproved: nullable(cents),
  acknowledgeBy: nullable(dateTime),
  decideBy: nullable(dateTime),
  slaBreaches: { type: 'array', items: { type: 'string', enum: ['acknowledge', 'decide'] } },
  assignedOfficer: nullable(string),
  approvals: { type: 'array', items: string, description: 'officer subs that approved so far' },
  tranches: { type: 'array', items: object({ number: { type: 'integer' }, amount: cents, status: { type: 'string', enum: ['pending', 'released', 'disbursed'] } }) },
  incident: nullable(
    object({ severity: { type: 'string', enum: [...SEVERITIES] }, ongoing: { type: 'boolean' }, detectedAt: dateTime, sectors: { type: 'array', items: { type: 'string', enum: [...SECTORS] } } }),
  ),
  capacity: nullable({
    type: 'object',
    required: ['durationMonths', 'sectors', 'milestones'],
    properties: {
      durationMonths: { type: 'integer' },
      sectors: { type: 'array', items: { type: 'string', enum: [...SECTORS] } },
      milestones: { type: 'array', items: object({ title: string, amount: cents }) },
    },
  }),
  contact: { oneOf: [CONTACT_SCHEMA, ERASED_CONTACT_SCHEMA, { type: 'null' }], description: 'decrypted for whoever may read the request; { erased: true } once erased; null when filed without one' },
  possibleDuplicates: { type: 'array', items: object({ requestId: { type: 'string', format: 'uuid' }, reason: string }) },
  score: nullable({ type: 'integer', minimum: 0, maximum: 100 }),
  scoreBreakdown: { type: 'array', items: object({ criterion: string, points: { type: 'integer' }, max: { type: 'integer' }, reason: string }) },
  reviewRound: nullable(string),
  acknowledgedAt: nullable(dateTime),
  informationRequest: nullable(object({ question: string, requestedAt: dateTime }, 'while the fund waits for the partner')),
  funding: nullable(object({ fiscalYear: { type: 'integer' }, window: { type: 'string', enum: [...TRACKS] } })),
  reports: { type: 'array', items: object({ summary: string, final: { type: 'boolean' }, reportedAt: dateTime }) },
  endsAt: nullable({ ...dateTime, description: 'end of the grant period (approval + its months, moved by extensions); null before approval' }),
  amendments: { type: 'array', items: AMENDMENT_SCHEMA, description: 'oldest first' },
  reportsDue: {
    type: 'array',
    description: 'a capacity grant’s report due dates, every one up to the next still awaiting a report, oldest first',
    items: object({ dueAt: dateTime, status: { type: 'string', enum: ['due', 'received', 'overdue'] } }),
  },
  decisionReason: nullable(string),
  filedBy: string,
  tlp: { type: 'string', enum: [...TLP_LABELS] },
  version: { type: 'integer', description: 'the stream version; the ETag' },
  filedAt: dateTime,
  updatedAt: dateTime,
});

const deadline = object({ dueAt: nullable(dateTime), state: { type: 'string', enum: ['met', 'pending', 'overdue', 'breached'] } });

/** A queue item: the request view with where its deadlines stand. */
export const QUEUE_ITEM_SCHEMA = namedSchema('QueueItem', {
  ...AID_REQUEST_VIEW_SCHEMA,
  required: [...(AID_REQUEST_VIEW_SCHEMA.required ?? []), 'sla'],
  properties: { ...AID_REQUEST_VIEW_SCHEMA.properties, sla: object({ acknowledge: deadline, decide: deadline }) },
});

/** The request view, by reference; `GET` adds the partner's risk level for officers and auditors (not required: absent elsewhere). */
export const AID_REQUEST_VIEW = namedSchema('AidRequestView', {
  ...AID_REQUEST_VIEW_SCHEMA,
  properties: {
    ...AID_REQUEST_VIEW_SCHEMA.properties,
    partnerRiskLevel: {
      ...nullable({ type: 'string' }),
      enum: [...RISK_LEVELS, null] as string[],
      description: 'GET /v1/aid-requests/{id} for officers and auditors: the partner country’s current risk level (its latest assessment), null when never assessed',
    },
  },
});

/** One event of a request's stream, as the timeline lists it. */
export const TIMELINE_ITEM_SCHEMA = namedSchema('TimelineItem', object({
  position: { type: 'integer', description: 'global position in the event log' },
  version: { type: 'integer' },
  type: { type: 'string', example: 'AidRequestFiled' },
  schemaVersion: { type: 'integer' },
  data: { type: 'object', description: 'the event as recorded; in AidRequestFiled, `contact` is shown decrypted (or `{ erased: true }`) instead of its stored form (StoredContact)' },
  metadata: { type: 'object' },
  recordedAt: dateTime,
}));

/** `{id}`, the aid request. */
export const ApiAidRequestId = () => ApiUuidParam('id', 'the aid request');

export const REQUEST_NOT_FOUND = [404, 'no such request, or one of another country (the same answer)'] as const;

/** An answer that is the request view, with its ETag (and on creation its Location). */
export function ApiAidRequestAnswer(status: 200 | 201, description: string, extraHeaders: Record<string, { description: string; schema: SchemaObject }> = {}) {
  return ApiResponse({
    status,
    description,
    content: { 'application/json': { schema: AID_REQUEST_VIEW } },
    headers: { ...ETAG_HEADER, ...REPLAYED_HEADER, ...(status === 201 ? LOCATION_HEADER : {}), ...extraHeaders },
  });
}

/** An action on a filed request: `{id}`, If-Match, its body, the resulting view (200) and its problems. */
export function ApiAidRequestAction(summary: string, body?: new () => object) {
  return applyDecorators(
    ApiOperation({ summary }),
    ApiAidRequestId(),
    ApiIfMatch(),
    ...(body === undefined ? [] : [ApiJsonBody(body)]),
    ApiAidRequestAnswer(200, 'the request view after the action'),
    ApiProblems(400, REQUEST_NOT_FOUND, [409, 'the request’s status (or the fund) does not allow this action, or the Idempotency-Key is in use']),
  );
}
