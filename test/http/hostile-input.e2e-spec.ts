import fc from 'fast-check';
import { SignJWT } from 'jose';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, TEST_JWT_SECRET, type TestApp, type TestResponse } from '../support/test-app';

/**
 * Whatever a client sends, the answer is never a 5xx: arbitrary JSON (any text, including U+0000
 * and unpaired surrogates, extreme numbers, nesting), valid bodies with one field replaced, and
 * query strings and path segments with raw percent-escapes, sent to every route that reads them.
 * A 4xx must be problem+json. Nothing here checks which 4xx: the routes' own tests do.
 */

let t: TestApp;
const tokens: Record<'partner' | 'officer' | 'admin' | 'auditor', string> = { partner: '', officer: '', admin: '', auditor: '' };
let requestId: string;

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
  tokens.partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  tokens.officer = await t.token('officer', { sub: 'officer-1' });
  tokens.admin = await t.token('admin', { sub: 'admin-1' });
  tokens.auditor = await t.token('auditor', { sub: 'auditor-1' });
  const filed = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${tokens.partner}` }, payload: capacityBody() });
  expect(filed.statusCode).toBe(201);
  requestId = filed.json().id;
});
afterAll(async () => {
  await t.close();
});

const RUNS = 60;

/** Text of every kind: ordinary, any code point, and what Postgres cannot store. */
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\uD800', 'x\uDC00', '\uD83D', '🔒', '', ' ', '%00', "'; DROP TABLE events; --", '__proto__', 'constructor'),
);

/** Numbers at and past every edge a field might have. */
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e20, -1e20, 1e308, 10_000_000_001),
);

const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(text, tie('json'), { maxKeys: 4 }),
  ),
}));

/** `depth` arrays, one inside the other, as raw JSON text (too deep for JSON.stringify's own stack in places). */
const deepJson = fc.integer({ min: 15, max: 5_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);

/** A valid body with one field (top level or one level down) replaced by anything, or one added. */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths: string[][] = [['unexpected']];
  for (const [key, value] of Object.entries(valid)) {
    paths.push([key]);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const inner of Object.keys(value)) paths.push([key, inner]);
  }
  return fc.tuple(fc.constantFrom(...paths), json).map(([path, replacement]) => {
    const copy = structuredClone(valid);
    let target: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
    target[path.at(-1)!] = replacement;
    return copy;
  });
}

/** A request body: arbitrary JSON, a mutated valid body, deep nesting, or text that is not JSON at all. */
function bodies(valid: Record<string, unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    json.map((value) => JSON.stringify(value) ?? 'null'),
    mutated(valid).map((value) => JSON.stringify(value)),
    deepJson.map((deep) => JSON.stringify({ ...valid, [Object.keys(valid)[0] ?? 'unexpected']: 'DEEP' }).replace('"DEEP"', deep)),
    text,
  );
}

/** A query-string value or path segment: percent-encoded text, or raw escapes that decode to anything. */
const segment = fc.oneof(
  text.filter((s) => !/[\uD800-\uDFFF]/u.test(s)).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%00', '%ff', '%e2%82', '%', '%%', '1e400', '-0', '99999999999999999999', '0x10', '..', '%2e%2e', 'null'),
);

function query(keys: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), segment), segment), { maxLength: 4 })
    .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&'));
}

function expectNoServerError(label: string, response: TestResponse): void {
  expect([label, response.statusCode < 500]).toEqual([label, true]);
  if (response.statusCode >= 400) expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

type Role = keyof typeof tokens;

const POSTS: readonly { readonly role: Role; readonly path: () => string; readonly valid: Record<string, unknown> }[] = [
  { role: 'partner', path: () => '/v1/aid-requests', valid: incidentBody({ contact: { name: 'Ana Mora', email: 'ana@csirt.example.cr' } }) },
  { role: 'partner', path: () => '/v1/aid-requests', valid: capacityBody() },
  { role: 'officer', path: () => `/v1/aid-requests/${requestId}/claim`, valid: {} },
  { role: 'officer', path: () => `/v1/aid-requests/${requestId}/triage`, valid: { track: 'rapid_response', priority: 1, reason: 'escalated by phone' } },
  { role: 'officer', path: () => `/v1/aid-requests/${requestId}/information-requests`, valid: { question: 'Which systems are affected?' } },
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/information`, valid: { answer: 'Customs and tax.' } },
  { role: 'officer', path: () => `/v1/aid-requests/${requestId}/approve`, valid: { amountApproved: 3_000_000, tranches: [{ amount: 3_000_000 }] } },
  { role: 'officer', path: () => `/v1/aid-requests/${requestId}/reject`, valid: { reason: 'out of scope' } },
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/withdraw`, valid: { reason: 'solved locally' } },
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/reports`, valid: { summary: 'Phase one done.', final: false } },
  { role: 'officer', path: () => `/v1/aid-requests/${requestId}/tranches/1/release`, valid: {} },
  { role: 'admin', path: () => '/v1/funds/2026/allocations', valid: { window: 'rapid_response', amount: 1_000_000, note: 'first allocation' } },
];

const GETS: readonly { readonly role: Role; readonly path: () => string; readonly keys: readonly string[] }[] = [
  { role: 'officer', path: () => '/v1/aid-requests', keys: ['status', 'track', 'kind', 'country', 'limit', 'cursor'] },
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/timeline`, keys: ['limit', 'cursor'] },
  { role: 'officer', path: () => '/v1/queue', keys: ['limit', 'cursor'] },
  { role: 'auditor', path: () => '/v1/audit/events', keys: ['after', 'streamId', 'type', 'actor', 'country', 'from', 'to', 'limit', 'cursor'] },
  { role: 'auditor', path: () => '/v1/audit/checkpoints', keys: ['after', 'limit', 'cursor'] },
  { role: 'auditor', path: () => '/v1/audit/events/1/proof', keys: ['treeSize'] },
  { role: 'auditor', path: () => '/v1/audit/checkpoints/consistency', keys: ['from', 'to'] },
];

describe('no client input gets a 5xx', () => {
  it.each(POSTS.map((route) => [route.path().replace(requestId, ':id'), route] as const))('POST %s with any body', async (_label, route) => {
    await fc.assert(
      fc.asyncProperty(bodies(route.valid), fc.option(fc.stringMatching(/^[\x21-\x7e]{1,20}$/)), async (body, key) => {
        const headers: Record<string, string> = { authorization: `Bearer ${tokens[route.role]}`, 'content-type': 'application/json' };
        if (key !== null) headers['idempotency-key'] = key;
        expectNoServerError(body.slice(0, 200), await t.request({ method: 'POST', url: route.path(), headers, payload: body }));
      }),
      { numRuns: RUNS },
    );
  });

  it.each(GETS.map((route) => [route.path().replace(requestId, ':id'), route] as const))('GET %s with any query', async (_label, route) => {
    await fc.assert(
      fc.asyncProperty(query(route.keys), async (qs) => {
        const url = `${route.path()}?${qs}`;
        expectNoServerError(url, await t.request({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[route.role]}` } }));
      }),
      { numRuns: RUNS },
    );
  });

  it('any Authorization header, and tokens signed with the right key carrying any claims', async () => {
    const secret = new TextEncoder().encode(TEST_JWT_SECRET);
    const claims = fc.record(
      { sub: json, role: fc.oneof(fc.constantFrom('partner', 'officer', 'auditor', 'admin'), json), country: fc.oneof(fc.constant('CR'), json), exp: fc.oneof(fc.constant(4_102_444_800), number, json) },
      { requiredKeys: [] },
    );
    const signed = claims.map((payload) => new SignJWT(payload as Record<string, unknown>).setProtectedHeader({ alg: 'HS256' }).sign(secret));
    const header = fc.oneof(
      fc.stringMatching(/^[\x20-\x7e]{0,60}$/),
      fc.stringMatching(/^[\x21-\x7e]{0,60}$/).map((token) => `Bearer ${token}`),
      signed.map(async (token) => `Bearer ${await token}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        const authorization = await value;
        for (const method of ['GET', 'POST'] as const) {
          const response = await t.request({ method, url: '/v1/aid-requests', headers: { authorization }, payload: method === 'POST' ? incidentBody() : undefined });
          expectNoServerError(`${method} with ${authorization.slice(0, 200)}`, response);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('any path segment where an id, a fiscal year, a tranche or a position goes', async () => {
    const paths = (s: string) => [
      { role: 'partner' as const, method: 'GET' as const, url: `/v1/aid-requests/${s}` },
      { role: 'partner' as const, method: 'GET' as const, url: `/v1/aid-requests/${s}/timeline` },
      { role: 'officer' as const, method: 'POST' as const, url: `/v1/aid-requests/${s}/claim` },
      { role: 'officer' as const, method: 'POST' as const, url: `/v1/aid-requests/${requestId}/tranches/${s}/release` },
      { role: 'officer' as const, method: 'GET' as const, url: `/v1/funds/${s}` },
      { role: 'auditor' as const, method: 'GET' as const, url: `/v1/audit/events/${s}/proof` },
    ];
    await fc.assert(
      fc.asyncProperty(segment.filter((s) => s.length > 0), async (s) => {
        for (const { role, method, url } of paths(s)) {
          const payload = method === 'POST' ? '{}' : undefined;
          const headers: Record<string, string> = { authorization: `Bearer ${tokens[role]}`, ...(payload ? { 'content-type': 'application/json' } : {}) };
          expectNoServerError(url, await t.request({ method, url, headers, payload }));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
