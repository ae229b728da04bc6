import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { targetConstructorToSchema, validationMetadatasToSchemas } from 'class-validator-jsonschema';

/**
 * Decorators that describe the API in the served OpenAPI document (`/docs/json`), shared by every
 * controller so that the common parts (problems, headers, security) are said once.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_DETAILS_REF = { $ref: '#/components/schemas/ProblemDetails' };

/** RFC 9457 problem details, as every error of the API is shaped. */
export const PROBLEM_DETAILS_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', description: 'a stable code under urn:cdt-fund:problem:, e.g. urn:cdt-fund:problem:aid_request.invalid' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'what went wrong, in words' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      description: 'one entry per field (or header) that is wrong',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'invalid input: the problem names each wrong field',
  401: 'no bearer token, or one that does not verify',
  403: 'the token’s role may not do this',
  404: 'no such resource, or one the caller may not see',
  409: 'the resource’s state does not allow this',
  412: 'If-Match names a version that is no longer current',
  413: 'the body is too large',
  415: 'a content type that is not accepted',
  422: 'this Idempotency-Key was used with a different body',
  429: 'over RATE_LIMIT_PER_MINUTE; see Retry-After',
  503: 'not ready',
};

export type ProblemStatus = number | readonly [status: number, description: string];

/** Problem answers (application/problem+json with the shared ProblemDetails schema), by status or [status, description]. */
export function ApiProblems(...statuses: ProblemStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((entry) => {
      const [status, description] = typeof entry === 'number' ? [entry, PROBLEM_DESCRIPTIONS[entry] ?? 'error'] : entry;
      return ApiResponse({ status, description, content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_DETAILS_REF } } });
    }),
  );
}

/** A route that needs a bearer token: the security requirement and its 401/403 answers. */
export function ApiBearerToken(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiBearerAuth('bearer'), ApiProblems(401, 403));
}

/** `Idempotency-Key`, which every POST under /v1 takes (added to each by the document builder). */
export const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header' as const,
  required: false,
  description: 'replays the first answer for a retry with the same key and body (scoped to the caller and the route)',
  schema: { type: 'string' as const, minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
};

/** `If-Match: "<version>"` on an action, and its 412. */
export function ApiIfMatch(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({ name: 'If-Match', required: false, description: 'the version the caller saw, as an ETag ("3"); stale → 412', schema: { type: 'string', example: '"3"' } }),
    ApiProblems(412),
  );
}

export const ETAG_HEADER = { ETag: { description: 'the version, as "<version>"', schema: { type: 'string', example: '"3"' } } };
export const LOCATION_HEADER = { Location: { description: 'where the created resource is read', schema: { type: 'string' } } };
export const REPLAYED_HEADER = {
  'Idempotent-Replayed': { description: '"true" when this is the recorded answer of an earlier request with the same Idempotency-Key', schema: { type: 'string' } },
};

/** A path parameter that is a UUID. */
export function ApiUuidParam(name: string, description: string): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiParam({ name, description, schema: { type: 'string', format: 'uuid' } }));
}

/** A JSON body described by its class-validator rules (the DTO the route validates). */
export function ApiJsonBody(dto: new () => object, options: { readonly required?: boolean } = {}): MethodDecorator {
  return applyDecorators(ApiBody({ required: options.required ?? true, schema: dtoSchema(dto) }));
}

/** The query parameters of a query DTO, from its class-validator rules. */
export function ApiQueryParams(dto: new () => object): MethodDecorator {
  const schema = dtoSchema(dto);
  const required = new Set(schema.required ?? []);
  return applyDecorators(
    ...Object.entries(schema.properties ?? {}).map(([name, property]) =>
      ApiQuery({ name, required: required.has(name), schema: property as SchemaObject }),
    ),
  );
}

const NAMED_SCHEMAS = new Map<string, SchemaObject>();

/**
 * A schema published under `components/schemas/<name>` (so that generated clients get a named
 * type), referred to by `$ref` wherever it is used.
 */
export function namedSchema(name: string, schema: SchemaObject): ReferenceObject {
  NAMED_SCHEMAS.set(name, schema);
  return { $ref: `#/components/schemas/${name}` };
}

/** Every schema given a name with namedSchema(). */
export function namedSchemas(): ReadonlyMap<string, SchemaObject> {
  return NAMED_SCHEMAS;
}

/** A list answer, `{ items, nextCursor }`. */
export function pageSchema(item: SchemaObject | ReferenceObject): SchemaObject {
  return {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: item },
      nextCursor: { type: ['string', 'null'] as unknown as 'string', description: 'pass as ?cursor= for the next page; null on the last' },
    },
  };
}

/** `type: [t, 'null']` (OpenAPI 3.1), typed for @nestjs/swagger's 3.0 interfaces. */
export function nullable(schema: SchemaObject): SchemaObject {
  return { ...schema, type: [schema.type ?? 'object', 'null'] as unknown as 'string' };
}

const SCHEMA_OPTIONS = { classTransformerMetadataStorage: defaultMetadataStorage, refPointerPrefix: '#/components/schemas/' };

function dtoSchema(dto: new () => object): SchemaObject {
  return targetConstructorToSchema(dto, SCHEMA_OPTIONS) as SchemaObject;
}

/** The schemas of the nested DTOs that body schemas refer to (`#/components/schemas/<class>`), by name. */
export function nestedDtoSchemas(): Record<string, SchemaObject> {
  return validationMetadatasToSchemas(SCHEMA_OPTIONS) as Record<string, SchemaObject>;
}
