import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ResponseObject } from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_HEADER, namedSchemas, nestedDtoSchemas, PROBLEM_CONTENT_TYPE, PROBLEM_DETAILS_REF, PROBLEM_DETAILS_SCHEMA } from './api-docs';

/**
 * The OpenAPI 3.1 description of the API. Controllers describe their routes with @nestjs/swagger
 * decorators (the shared ones are in api-docs.ts); this adds what holds for every route.
 */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('cdt-fund')
      .setDescription(
        'Grant workflow of a capacity-building fund for cyberspace and digital connectivity. ' +
          'Errors are application/problem+json (RFC 9457). POSTs accept an Idempotency-Key header; ' +
          'actions on a request accept If-Match. The guide for client developers is docs/api.md.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .build(),
  );
  const schemas = (document.components ??= {}).schemas ?? {};
  document.components.schemas = schemas;
  schemas.ProblemDetails = PROBLEM_DETAILS_SCHEMA;
  for (const [name, schema] of namedSchemas()) schemas[name] ??= schema;
  addReferencedDtoSchemas(document, schemas);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, OperationObject][]) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      if (path.startsWith('/v1/')) {
        // Every /v1 route is rate-limited (src/http/security.ts) and reads JSON bodies up to 1 MiB.
        operation.responses['429'] ??= problemResponse('over RATE_LIMIT_PER_MINUTE; Retry-After says when to try again');
        if (operation.requestBody !== undefined) operation.responses['413'] ??= problemResponse('the body is too large');
        // Every POST takes an Idempotency-Key (common/idempotency).
        if (method === 'post') {
          const parameters: NonNullable<OperationObject['parameters']> = (operation.parameters ??= []);
          if (!parameters.some((p) => 'name' in p && p.name === IDEMPOTENCY_KEY_HEADER.name)) parameters.push(IDEMPOTENCY_KEY_HEADER);
          operation.responses['409'] ??= problemResponse('a request with this Idempotency-Key is still in progress (retry)');
          operation.responses['422'] ??= problemResponse('this Idempotency-Key was used with a different body');
        }
      }
      // Every 4xx is problem+json (common/problem-details.filter.ts), whatever a decorator said of its body.
      for (const [status, response] of Object.entries(operation.responses) as [string, ResponseObject][]) {
        if (/^4/.test(status)) operation.responses[status] = problemResponse(response.description);
      }
    }
  }
  return document;
}

/** Serves the OpenAPI description at /docs (UI) and /docs/json; the guide for client developers is docs/api.md. */
export function mountOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/json' });
}

function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_DETAILS_REF } } };
}

/** Nested DTOs that body schemas name by `$ref` get their schema in components. */
function addReferencedDtoSchemas(document: OpenAPIObject, schemas: Record<string, unknown>): void {
  const available = nestedDtoSchemas();
  const pending = [JSON.stringify(document.paths)];
  while (pending.length > 0) {
    for (const match of (pending.pop() ?? '').matchAll(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g)) {
      const name = match[1] as string;
      const schema = available[name];
      if (schemas[name] !== undefined || schema === undefined) continue;
      schemas[name] = schema;
      pending.push(JSON.stringify(schema));
    }
  }
}
