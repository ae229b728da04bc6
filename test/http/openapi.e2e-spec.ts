import SwaggerParser from '@apidevtools/swagger-parser';
import { registeredRouteDetails, type RegisteredRoute } from '../support/routes';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The success status each route answers, from the API contract: actions answer 200 with the
 * view, creations 201, accepted work 202, deletions and the admin session 204.
 */
const SUCCESS: Readonly<Record<string, number>> = {
  'post /v1/aid-requests': 201,
  'post /v1/funds/:fiscalYear/allocations': 201,
  'post /v1/webhooks': 201,
  'post /v1/aid-requests/:id/documents': 201,
  'post /v1/partners/:country/assessments': 201,
  'post /v1/aid-requests/:id/amendments': 201,
  'post /v1/webhooks/:id/test': 202,
  'post /v1/webhooks/:id/deliveries/:deliveryId/retry': 202,
  'delete /v1/webhooks/:id': 204,
  'post /admin/session': 204,
};

function successOf(route: RegisteredRoute): number {
  return SUCCESS[`${route.method} ${route.path}`] ?? 200;
}

let t: TestApp;
let document: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the served JSON, checked below

beforeAll(async () => {
  t = await createTestApp({ docs: true });
  const response = await t.request({ method: 'GET', url: '/docs/json' });
  expect(response.statusCode).toBe(200);
  document = response.json();
});
afterAll(async () => {
  await t.close();
});

describe('the served OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
  });

  it('describes every route with its path parameters, its success status, its problems and a tag', () => {
    const all = registeredRouteDetails(t.app);
    expect(all.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    for (const route of all) {
      const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = document.paths[path]?.[route.method];
      const name = `${route.method.toUpperCase()} ${route.path}`;
      if (operation === undefined) {
        wrong.push(`${name}: not described`);
        continue;
      }
      const declared = new Set(((operation.parameters ?? []) as { in: string; name: string }[]).filter((p) => p.in === 'path').map((p) => p.name));
      for (const [, param] of path.matchAll(/\{([A-Za-z]+)\}/g)) if (!declared.has(param as string)) wrong.push(`${name}: no {${param}} parameter`);
      const successes = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
      if (successes.join() !== String(successOf(route))) wrong.push(`${name}: documents ${successes.join('/')} but answers ${successOf(route)}`);
      const problems = Object.entries(operation.responses).filter(([status]) => /^4/.test(status));
      for (const [status, response] of problems) {
        if ((response as { content?: Record<string, unknown> }).content?.['application/problem+json'] === undefined) wrong.push(`${name}: ${status} is not problem+json`);
      }
      if (route.path.startsWith('/v1/') && !problems.some(([status]) => status === '429')) wrong.push(`${name}: no 429`);
      if (!(operation.tags?.length > 0)) wrong.push(`${name}: no tag`);
      const secured = (operation.security ?? document.security ?? []).some((requirement: object) => Object.keys(requirement).length > 0);
      if (route.isPublic && secured) wrong.push(`${name}: public but shows a lock`);
      if (!route.isPublic && !secured) wrong.push(`${name}: needs a token but has no security`);
      if (!route.isPublic && (operation.responses['401'] === undefined || operation.responses['403'] === undefined)) wrong.push(`${name}: no 401/403`);
      const success = operation.responses[String(successOf(route))];
      if (successOf(route) !== 204 && success?.content === undefined) wrong.push(`${name}: no response schema`);
      if (route.method === 'post' && route.path.startsWith('/v1/') && !((operation.parameters ?? []) as { name: string }[]).some((p) => p.name === 'Idempotency-Key')) {
        wrong.push(`${name}: no Idempotency-Key header`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('describes the action headers: If-Match in, ETag out', () => {
    const claim = document.paths['/v1/aid-requests/{id}/claim'].post;
    expect(claim.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['id', 'If-Match', 'Idempotency-Key']));
    expect(Object.keys(claim.responses['200'].headers)).toContain('ETag');
    expect(claim.responses['412']).toBeDefined();
    const release = document.paths['/v1/aid-requests/{id}/tranches/{n}/release'].post;
    expect(release.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['id', 'n']));
    const file = document.paths['/v1/aid-requests'].post;
    expect(file.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['kind', 'title', 'description', 'actionArea', 'amountRequested']));
  });
});
