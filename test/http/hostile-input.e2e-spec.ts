import fc from 'fast-check';
import { SignJWT } from 'jose';
import { capacityBody, incidentBody } from '../support/requests';
import { registeredRoutes } from '../support/routes';
import { createTestApp, TEST_JWT_SECRET, type TestApp, type TestResponse } from '../support/test-app';

/**
 * Whatever a client sends, the answer is never a 5xx: arbitrary JSON (any text, including U+0000
 * and unpaired surrogates, extreme numbers, nesting), valid bodies with one field replaced, and
 * query strings and path segments with raw percent-escapes, sent to every route the application
 * registers (taken from Nest's router: a route without a generator fails the run) and to the queue
 * dashboard's. A 4xx must be problem+json. Nothing here checks which 4xx: the routes' own tests do.
 *
 * HOSTILE_RUNS (default 300) runs per property: at least 10,000 requests a run, counted and
 * checked at the end. Every property runs with one seed, HOSTILE_SEED (default: random, printed);
 * a failure names it so that the run can be replayed.
 */

let t: TestApp;
const tokens: Record<'partner' | 'officer' | 'admin' | 'auditor', string> = { partner: '', officer: '', admin: '', auditor: '' };
let requestId: string;
/** A request filed with a contact, for the erasure route. */
let contactRequestId: string;
/** A CR webhook endpoint and one of its deliveries. */
let webhookId: string;
let deliveryId: string;

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9' } });
  process.stdout.write(`hostile input: seed ${SEED}, ${RUNS} runs per property (replay: HOSTILE_SEED=${SEED} HOSTILE_RUNS=${RUNS})\n`);
  tokens.partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  tokens.officer = await t.token('officer', { sub: 'officer-1' });
  tokens.admin = await t.token('admin', { sub: 'admin-1' });
  tokens.auditor = await t.token('auditor', { sub: 'auditor-1' });
  const filed = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${tokens.partner}` }, payload: capacityBody() });
  expect(filed.statusCode).toBe(201);
  requestId = filed.json().id;
  const withContact = await t.request({
    method: 'POST',
    url: '/v1/aid-requests',
    headers: { authorization: `Bearer ${tokens.partner}` },
    payload: incidentBody({ contact: { name: 'Ana Mora', email: 'ana@csirt.example.cr' } }),
  });
  expect(withContact.statusCode).toBe(201);
  contactRequestId = withContact.json().id;
  const hook = await t.request({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${tokens.partner}` }, payload: { url: HOOK_URL } });
  expect(hook.statusCode).toBe(201);
  webhookId = hook.json().id;
  const test = await t.request({ method: 'POST', url: `/v1/webhooks/${webhookId}/test`, headers: { authorization: `Bearer ${tokens.partner}` }, payload: {} });
  expect(test.statusCode).toBe(202);
  deliveryId = test.json().deliveryId;
});

const HOOK_URL = 'http://127.0.0.1:9/hook';
/** An amendment id the request does not have (the request is not approved either). */
const AMENDMENT_ID = '0192f0a0-1111-7000-8000-00000000a001';

/** The route pattern (`/v1/webhooks/:id`) of a concrete URL of this test. */
function patternOf(url: string): string {
  return url
    .replace(requestId, ':id')
    .replace(contactRequestId, ':id')
    .replace(webhookId, ':id')
    .replace(deliveryId, ':deliveryId')
    .replace('/2026/', '/:fiscalYear/')
    .replace('/tranches/1/', '/tranches/:n/')
    .replace(/^\/v1\/partners\/[^/]+/, '/v1/partners/:country')
    .replace(AMENDMENT_ID, ':amendmentId');
}
afterAll(async () => {
  await t.close();
});

const RUNS = Number(process.env['HOSTILE_RUNS'] ?? 300);
const SEED = Number(process.env['HOSTILE_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
/** The least a run with the default HOSTILE_RUNS sends. */
const MIN_REQUESTS = 10_000;

/** Requests sent, and the routes (`METHOD /pattern`) they were sent to. */
let sent = 0;
const covered = new Set<string>();

async function send(route: string, options: Parameters<TestApp['request']>[0]): Promise<TestResponse> {
  sent += 1;
  covered.add(route);
  return t.request(options);
}

/** fc.assert with the run's seed; a failure says how to replay it. */
async function check<T>(property: fc.IAsyncProperty<T>): Promise<void> {
  try {
    await fc.assert(property, { numRuns: RUNS, seed: SEED });
  } catch (error) {
    throw new Error(`hostile input found a failure (replay: HOSTILE_SEED=${SEED} HOSTILE_RUNS=${RUNS} npm test -- test/http/hostile-input)\n${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

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
  { role: 'admin', path: () => '/admin/session', valid: { token: 'TOKEN' } },
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
  { role: 'admin', path: () => `/v1/aid-requests/${contactRequestId}/contact/erase`, valid: { reason: 'the person asked to be forgotten' } },
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/amendments`, valid: { type: 'no_cost_extension', months: 6, reason: 'Hiring took longer.' } },
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/amendments`, valid: { type: 'budget_revision', tranches: [{ amount: 1_000_000 }], reason: 'Re-split.' } },
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/amendments`, valid: { type: 'cost_increase', amount: 500_000, reason: 'Exchange rate.' } },
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/amendments`, valid: { type: 'scope_change', description: 'Add a lab.', reason: 'New needs.' } },
  { role: 'officer', path: () => `/v1/aid-requests/${requestId}/amendments/${AMENDMENT_ID}/approve`, valid: { reason: 'Agreed with the partner.' } },
  { role: 'officer', path: () => `/v1/aid-requests/${requestId}/amendments/${AMENDMENT_ID}/reject`, valid: { reason: 'Out of scope.' } },
  { role: 'admin', path: () => '/v1/funds/2026/allocations', valid: { window: 'rapid_response', amount: 1_000_000, note: 'first allocation' } },
  { role: 'officer', path: () => '/v1/partners/CR/assessments', valid: { riskLevel: 'high', validUntil: '2027-06-30', summary: 'Audited; open findings.' } },
  { role: 'partner', path: () => '/v1/webhooks', valid: { url: HOOK_URL, events: ['aid_request.approved'], description: 'intake' } },
  { role: 'admin', path: () => '/v1/webhooks', valid: { url: HOOK_URL, scope: 'fund', description: 'duty officers' } },
  { role: 'partner', path: () => `/v1/webhooks/${webhookId}/rotate-secret`, valid: {} },
  { role: 'partner', path: () => `/v1/webhooks/${webhookId}/test`, valid: {} },
  { role: 'partner', path: () => `/v1/webhooks/${webhookId}/deliveries/${deliveryId}/retry`, valid: {} },
  // Not multipart: the upload route must refuse any JSON as cleanly as its own malformed bodies (tested with the documents).
  { role: 'partner', path: () => `/v1/aid-requests/${requestId}/documents`, valid: { kind: 'budget', tlp: 'AMBER' } },
];

/** Query keys the GET routes read (any other key is sent too, as a generated one). */
const QUERY_KEYS: Readonly<Record<string, readonly string[]>> = {
  '/v1/aid-requests': ['status', 'track', 'kind', 'country', 'limit', 'cursor'],
  '/v1/aid-requests/:id/timeline': ['limit', 'cursor'],
  '/v1/queue': ['limit', 'cursor'],
  '/v1/audit/events': ['after', 'streamId', 'type', 'actor', 'country', 'from', 'to', 'limit', 'cursor'],
  '/v1/audit/export': ['after', 'streamId', 'type', 'from', 'to'],
  '/v1/audit/checkpoints': ['after', 'limit', 'cursor'],
  '/v1/audit/events/:position/proof': ['treeSize'],
  '/v1/audit/checkpoints/consistency': ['from', 'to'],
};

/** Who may call a GET route (so that the query is read, not refused at the door). */
function getRole(pattern: string): Role {
  if (pattern.startsWith('/v1/audit') || pattern === '/v1/aid-requests/:id/timeline') return pattern.includes('timeline') ? 'partner' : 'auditor';
  if (pattern.startsWith('/v1/funds')) return 'admin';
  if (pattern === '/v1/aid-requests/:id') return 'partner';
  return 'officer';
}

/** A route pattern with valid values for its parameters. */
function concrete(pattern: string): string {
  return pattern.replace(':id', requestId).replace(':position', '1').replace(':fiscalYear', '2026').replace(':n', '1').replace(':country', 'CR');
}

/** The queue dashboard's routes (Bull Board, not Nest's), with the parts a client controls. */
const DASHBOARD_GETS = ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/api/redis/stats', '/admin/queues/api/job-schedulers'];
const DASHBOARD_QUERY_KEYS = ['activeQueue', 'status', 'page', 'jobsPerPage', 'sortBy', 'sortDirection', 'search', 'queueName'];

describe('no client input gets a 5xx', () => {
  it.each(POSTS.map((route) => [patternOf(route.path()), route] as const))('POST %s with any body', async (_label, route) => {
    await check(
      fc.asyncProperty(bodies(route.valid), fc.option(fc.stringMatching(/^[\x21-\x7e]{1,20}$/)), async (body, key) => {
        const headers: Record<string, string> = { authorization: `Bearer ${tokens[route.role]}`, 'content-type': 'application/json' };
        if (key !== null) headers['idempotency-key'] = key;
        const url = route.path();
        const payload = url === '/admin/session' ? body.replace('"TOKEN"', JSON.stringify(tokens.admin)) : body;
        expectNoServerError(body.slice(0, 200), await send(`POST ${patternOf(url)}`, { method: 'POST', url, headers, payload }));
      }),
    );
  }, 300_000);

  it('GET every route the application registers, with any query', async () => {
    const gets = registeredRoutes(t.app)
      .filter((route) => route.startsWith('GET '))
      .map((route) => route.slice('GET '.length));
    expect(gets.length).toBeGreaterThan(15);
    for (const pattern of gets) {
      await check(
        fc.asyncProperty(query(QUERY_KEYS[pattern] ?? ['limit', 'cursor', 'after']), async (qs) => {
          const url = `${concrete(pattern)}?${qs}`;
          expectNoServerError(url, await send(`GET ${pattern}`, { method: 'GET', url, headers: { authorization: `Bearer ${tokens[getRole(pattern)]}` } }));
        }),
      );
    }
  }, 600_000);

  it('the queue dashboard, as an admin (bearer or cookie), with any query, path and cookie', async () => {
    const cookie = fc.oneof(
      fc.constant(`cdt_admin_session=${tokens.admin}`),
      fc.stringMatching(/^[\x20-\x7e]{0,80}$/),
      segment.map((s) => `cdt_admin_session=${s}`),
    );
    await check(
      fc.asyncProperty(fc.constantFrom(...DASHBOARD_GETS), query(DASHBOARD_QUERY_KEYS), cookie, fc.boolean(), async (path, qs, jar, bearer) => {
        const url = `${path}?${qs}`;
        const headers: Record<string, string> = bearer ? { authorization: `Bearer ${tokens.admin}` } : { cookie: jar };
        const response = await send(`GET ${path}`, { method: 'GET', url, headers });
        expect([url, response.statusCode < 500 || `${response.statusCode} ${response.body.slice(0, 300)}`]).toEqual([url, true]);
        expectNoServerError(url, response);
      }),
    );
    await check(
      fc.asyncProperty(segment.filter((s) => s.length > 0), segment.filter((s) => s.length > 0), async (queue, job) => {
        for (const url of [`/admin/queues/api/queues/${queue}/${job}`, `/admin/queues/api/queues/${queue}/${job}/logs`, `/admin/queues/queue/${queue}`]) {
          const response = await send('GET /admin/queues/*', { method: 'GET', url, headers: { authorization: `Bearer ${tokens.admin}` } });
          expect([url, response.statusCode < 500 || `${response.statusCode} ${response.body.slice(0, 300)}`]).toEqual([url, true]);
          expectNoServerError(url, response);
        }
      }),
    );
  }, 300_000);

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
    await check(
      fc.asyncProperty(header, async (value) => {
        const authorization = await value;
        for (const method of ['GET', 'POST'] as const) {
          const response = await send(`${method} /v1/aid-requests`, { method, url: '/v1/aid-requests', headers: { authorization }, payload: method === 'POST' ? incidentBody() : undefined });
          expectNoServerError(`${method} with ${authorization.slice(0, 200)}`, response);
        }
      }),
    );
  }, 300_000);

  it('any path segment where an id, a fiscal year, a tranche or a position goes', async () => {
    const paths = (s: string) => [
      { role: 'partner' as const, method: 'GET' as const, route: '/v1/aid-requests/:id', url: `/v1/aid-requests/${s}` },
      { role: 'partner' as const, method: 'GET' as const, route: '/v1/aid-requests/:id/timeline', url: `/v1/aid-requests/${s}/timeline` },
      { role: 'officer' as const, method: 'POST' as const, route: '/v1/aid-requests/:id/claim', url: `/v1/aid-requests/${s}/claim` },
      { role: 'partner' as const, method: 'POST' as const, route: '/v1/aid-requests/:id/withdraw', url: `/v1/aid-requests/${s}/withdraw` },
      { role: 'officer' as const, method: 'POST' as const, route: '/v1/aid-requests/:id/tranches/:n/release', url: `/v1/aid-requests/${requestId}/tranches/${s}/release` },
      { role: 'officer' as const, method: 'GET' as const, route: '/v1/funds/:fiscalYear', url: `/v1/funds/${s}` },
      { role: 'admin' as const, method: 'POST' as const, route: '/v1/funds/:fiscalYear/allocations', url: `/v1/funds/${s}/allocations` },
      { role: 'auditor' as const, method: 'GET' as const, route: '/v1/audit/events/:position/proof', url: `/v1/audit/events/${s}/proof` },
      { role: 'partner' as const, method: 'GET' as const, route: '/v1/partners/:country', url: `/v1/partners/${s}` },
      { role: 'officer' as const, method: 'POST' as const, route: '/v1/partners/:country/assessments', url: `/v1/partners/${s}/assessments` },
      { role: 'partner' as const, method: 'DELETE' as const, route: '/v1/webhooks/:id', url: `/v1/webhooks/${s}` },
      { role: 'partner' as const, method: 'GET' as const, route: '/v1/webhooks/:id', url: `/v1/webhooks/${s}` },
      { role: 'partner' as const, method: 'POST' as const, route: '/v1/webhooks/:id/deliveries/:deliveryId/retry', url: `/v1/webhooks/${webhookId}/deliveries/${s}/retry` },
      { role: 'partner' as const, method: 'GET' as const, route: '/v1/aid-requests/:id/documents/:documentId', url: `/v1/aid-requests/${requestId}/documents/${s}` },
      { role: 'officer' as const, method: 'POST' as const, route: '/v1/aid-requests/:id/amendments/:amendmentId/approve', url: `/v1/aid-requests/${requestId}/amendments/${s}/approve` },
      { role: 'officer' as const, method: 'POST' as const, route: '/v1/aid-requests/:id/amendments/:amendmentId/reject', url: `/v1/aid-requests/${requestId}/amendments/${s}/reject` },
    ];
    await check(
      fc.asyncProperty(segment.filter((s) => s.length > 0), async (s) => {
        for (const { role, method, route, url } of paths(s)) {
          const payload = method === 'POST' ? '{}' : undefined;
          const headers: Record<string, string> = { authorization: `Bearer ${tokens[role]}`, ...(payload ? { 'content-type': 'application/json' } : {}) };
          expectNoServerError(url, await send(`${method} ${route}`, { method, url, headers, payload }));
        }
      }),
    );
  }, 300_000);

  it(`covered every registered route, with at least ${MIN_REQUESTS} requests at the default HOSTILE_RUNS`, () => {
    const missing = registeredRoutes(t.app).filter((route) => !covered.has(route));
    expect(missing).toEqual([]);
    process.stdout.write(`hostile input: ${sent} requests to ${covered.size} routes, none answered 5xx (seed ${SEED})\n`);
    if (process.env['HOSTILE_RUNS'] === undefined) expect(sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
  });
});
