import { waitUntilSealed } from '../support/audit';
import { Workflow } from '../support/officer-flow';
import { incidentBody } from '../support/requests';
import { registeredRoutes } from '../support/routes';
import { createTestApp, type TestApp, type TestResponse } from '../support/test-app';

/*
 * The authorization matrix: every route the application registers, taken from Nest's router
 * metadata (so a new route cannot be forgotten), called by every kind of principal: no token, a
 * partner of the request's country, a partner of another country, an officer, an auditor and an
 * admin. Each cell asserts the contract's answer: 2xx, 401, 403 or 404. A route without
 * expectations fails the test, and so does an expectation for a route that no longer exists.
 */

const PRINCIPALS = ['anonymous', 'partnerOwn', 'partnerOther', 'officer', 'auditor', 'admin'] as const;
type Principal = (typeof PRINCIPALS)[number];
/** 409: the principal may act, and the request reached the state check (the matrix is about who may, not when). */
type Outcome = 'ok' | 401 | 403 | 404 | 409;
type Row = Readonly<Record<Principal, Outcome>>;

const FY = 2027;

/** Everyone, with or without a token. */
const PUBLIC: Row = { anonymous: 'ok', partnerOwn: 'ok', partnerOther: 'ok', officer: 'ok', auditor: 'ok', admin: 'ok' };
const row = (partnerOwn: Outcome, partnerOther: Outcome, officer: Outcome, auditor: Outcome, admin: Outcome): Row => ({
  anonymous: 401,
  partnerOwn,
  partnerOther,
  officer,
  auditor,
  admin,
});
const OFFICER_ONLY = row(403, 403, 'ok', 403, 403);
const OWN_PARTNER_ONLY = row('ok', 404, 403, 403, 403);
const AUDITOR_ONLY = row(403, 403, 403, 'ok', 403);
/** A request's readers: its own country's partners, officers and auditors (admins manage the fund, not requests). */
const READERS = row('ok', 404, 'ok', 'ok', 403);
/** A webhook endpoint: its own country's partners and admins; officers and auditors may not manage webhooks. */
const ENDPOINT_MANAGERS = row('ok', 404, 403, 403, 'ok');

/** What the contract gives each principal on each route (docs/api.md, "Roles"). */
const EXPECTED: Readonly<Record<string, Row>> = {
  'GET /health/live': PUBLIC,
  'GET /health/ready': PUBLIC,
  'GET /metrics': PUBLIC,
  'POST /v1/aid-requests': row('ok', 'ok', 403, 403, 403), // a partner files for its own country, whichever it is
  'GET /v1/aid-requests': row('ok', 'ok', 'ok', 'ok', 403),
  'GET /v1/aid-requests/:id': row('ok', 404, 'ok', 'ok', 403),
  'GET /v1/aid-requests/:id/timeline': row('ok', 404, 'ok', 'ok', 403),
  'GET /v1/queue': OFFICER_ONLY,
  'POST /v1/aid-requests/:id/claim': OFFICER_ONLY,
  'POST /v1/aid-requests/:id/triage': OFFICER_ONLY,
  'POST /v1/aid-requests/:id/information-requests': OFFICER_ONLY,
  'POST /v1/aid-requests/:id/information': OWN_PARTNER_ONLY,
  'POST /v1/aid-requests/:id/approve': OFFICER_ONLY,
  'POST /v1/aid-requests/:id/reject': OFFICER_ONLY,
  'POST /v1/aid-requests/:id/withdraw': OWN_PARTNER_ONLY,
  'POST /v1/aid-requests/:id/tranches/:n/release': OFFICER_ONLY,
  'POST /v1/aid-requests/:id/reports': OWN_PARTNER_ONLY,
  // Admin only: the role is checked first, so a partner of either country gets 403.
  'POST /v1/aid-requests/:id/contact/erase': row(403, 403, 403, 403, 'ok'),
  'POST /v1/aid-requests/:id/amendments': OWN_PARTNER_ONLY,
  'POST /v1/aid-requests/:id/amendments/:amendmentId/approve': OFFICER_ONLY,
  'POST /v1/aid-requests/:id/amendments/:amendmentId/reject': OFFICER_ONLY,
  'GET /v1/funds/:fiscalYear': row(403, 403, 'ok', 'ok', 'ok'),
  'POST /v1/partners/:country/assessments': OFFICER_ONLY,
  'GET /v1/partners/:country': row('ok', 404, 'ok', 'ok', 'ok'), // the CR partner: its own due diligence only
  'POST /v1/funds/:fiscalYear/allocations': row(403, 403, 403, 403, 'ok'),
  'GET /v1/audit/events': AUDITOR_ONLY,
  'GET /v1/audit/export': AUDITOR_ONLY,
  'GET /v1/audit/verify': AUDITOR_ONLY,
  'GET /v1/audit/events/:position/proof': row('ok', 404, 403, 'ok', 403),
  'GET /v1/audit/public-key': PUBLIC,
  'GET /v1/audit/public-keys': PUBLIC,
  'GET /v1/audit/checkpoints/latest': PUBLIC,
  'GET /v1/audit/checkpoints': PUBLIC,
  'GET /v1/audit/checkpoints/consistency': PUBLIC,
  // The principal's token goes in the body (the dashboard's cookie login); "anonymous" sends one that does not verify.
  'POST /admin/session': { anonymous: 401, partnerOwn: 403, partnerOther: 403, officer: 403, auditor: 403, admin: 'ok' },
  'POST /v1/aid-requests/:id/documents': row('ok', 404, 'ok', 403, 403),
  'GET /v1/aid-requests/:id/documents': READERS,
  'GET /v1/aid-requests/:id/documents/:documentId': READERS,
  'GET /v1/aid-requests/:id/documents/:documentId/content': READERS, // an AMBER document: TLP rules are tested with the documents
  'GET /v1/aid-requests/:id/receipt': READERS,
  'POST /v1/webhooks': row('ok', 'ok', 403, 403, 'ok'), // a partner registers for its own country, whichever it is
  'GET /v1/webhooks': row('ok', 'ok', 403, 403, 'ok'), // each partner sees its own country's
  'GET /v1/webhooks/:id': ENDPOINT_MANAGERS,
  'DELETE /v1/webhooks/:id': ENDPOINT_MANAGERS,
  'POST /v1/webhooks/:id/rotate-secret': ENDPOINT_MANAGERS,
  'POST /v1/webhooks/:id/test': ENDPOINT_MANAGERS,
  'GET /v1/webhooks/:id/deliveries': ENDPOINT_MANAGERS,
  // Only a failed delivery may be retried: the one here is not, so whoever may act reaches that check.
  'POST /v1/webhooks/:id/deliveries/:deliveryId/retry': row(409, 404, 403, 403, 409),
};

const HOOK_URL = 'http://127.0.0.1:9/hook';
const BOUNDARY = 'matrix-boundary';
/** One text file as multipart/form-data, as a client sends it. */
const MULTIPART = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nCustoms systems restored.\n\r\n--${BOUNDARY}--\r\n`;

interface Call {
  readonly url: string;
  readonly payload?: unknown;
  readonly headers?: Record<string, string>;
}

let t: TestApp;
let w: Workflow;
let tokens: Record<Exclude<Principal, 'anonymous'>, string>;
/** A CR request, triaged and sealed, for the routes that only read. */
let shared: string;
let sharedPosition: number;
let treeSize: number;
/** A CR webhook endpoint, and a delivery of it (a test message: never failed). */
let sharedEndpoint: string;
let sharedDelivery: string;
/** A document on the shared request. */
let sharedDocument: string;

/** A new CR endpoint, registered by the CR partner. */
async function endpoint(): Promise<string> {
  const response = await w.post(tokens.partnerOwn, '/v1/webhooks', { url: HOOK_URL });
  expect(response.statusCode).toBe(201);
  return response.json().id as string;
}
const endpointUrl = async (allowed: boolean, suffix = ''): Promise<Call> => ({ url: `/v1/webhooks/${allowed ? await endpoint() : sharedEndpoint}${suffix}` });

/** The call a principal makes on a route: for an allowed principal, on a request in the state the action needs. */
const CALLS: Readonly<Record<string, (principal: Principal, allowed: boolean) => Call | Promise<Call>>> = {
  'POST /v1/aid-requests': () => ({ url: '/v1/aid-requests', payload: incidentBody() }),
  'GET /v1/aid-requests/:id': () => ({ url: `/v1/aid-requests/${shared}` }),
  'GET /v1/aid-requests/:id/timeline': () => ({ url: `/v1/aid-requests/${shared}/timeline` }),
  'POST /v1/aid-requests/:id/claim': async (_, allowed) => ({ url: `/v1/aid-requests/${allowed ? await w.triaged() : shared}/claim` }),
  'POST /v1/aid-requests/:id/triage': async (_, allowed) => ({
    url: `/v1/aid-requests/${allowed ? await w.triaged() : shared}/triage`,
    payload: { track: 'rapid_response', priority: 2, reason: 'Customs are the main revenue source.' },
  }),
  'POST /v1/aid-requests/:id/information-requests': async (_, allowed) => ({
    url: `/v1/aid-requests/${allowed ? await w.underReview() : shared}/information-requests`,
    payload: { question: 'Which systems are encrypted?' },
  }),
  'POST /v1/aid-requests/:id/information': async (_, allowed) => {
    const id = allowed ? await w.underReview() : shared;
    if (allowed) expect((await w.post(tokens.officer, `/v1/aid-requests/${id}/information-requests`, { question: 'Which systems?' })).statusCode).toBe(200);
    return { url: `/v1/aid-requests/${id}/information`, payload: { answer: 'Customs and tax filing.' } };
  },
  'POST /v1/aid-requests/:id/approve': async (_, allowed) => ({
    url: `/v1/aid-requests/${allowed ? await w.underReview() : shared}/approve`,
    payload: { amountApproved: 1_000_000 },
  }),
  'POST /v1/aid-requests/:id/reject': async (_, allowed) => ({
    url: `/v1/aid-requests/${allowed ? await w.underReview() : shared}/reject`,
    payload: { reason: 'Outside the fund’s scope.' },
  }),
  'POST /v1/aid-requests/:id/withdraw': async (_, allowed) => ({ url: `/v1/aid-requests/${allowed ? await w.triaged() : shared}/withdraw`, payload: {} }),
  'POST /v1/aid-requests/:id/tranches/:n/release': async (_, allowed) => ({ url: `/v1/aid-requests/${allowed ? await approved() : shared}/tranches/1/release` }),
  'POST /v1/aid-requests/:id/reports': async (principal) => ({
    url: `/v1/aid-requests/${principal === 'partnerOwn' || principal === 'partnerOther' ? await approved() : shared}/reports`,
    payload: { summary: 'Customs systems restored from backups.' },
  }),
  'POST /v1/aid-requests/:id/contact/erase': async (_, allowed) => {
    if (!allowed) return { url: `/v1/aid-requests/${shared}/contact/erase`, payload: { reason: 'matrix' } };
    const filed = await w.post(tokens.partnerOwn, '/v1/aid-requests', incidentBody({ contact: { name: 'Ana Mora', email: 'ana@csirt.example.cr' } }));
    expect(filed.statusCode).toBe(201);
    return { url: `/v1/aid-requests/${filed.json().id}/contact/erase`, payload: { reason: 'matrix' } };
  },
  'POST /v1/aid-requests/:id/amendments': async (principal) => ({
    url: `/v1/aid-requests/${principal === 'partnerOwn' || principal === 'partnerOther' ? await approved() : shared}/amendments`,
    payload: { type: 'no_cost_extension', months: 3, reason: 'Procurement delays.' },
  }),
  'POST /v1/aid-requests/:id/amendments/:amendmentId/approve': async (_, allowed) => amendmentCall(allowed, 'approve'),
  'POST /v1/aid-requests/:id/amendments/:amendmentId/reject': async (_, allowed) => amendmentCall(allowed, 'reject'),
  'GET /v1/funds/:fiscalYear': () => ({ url: `/v1/funds/${FY}` }),
  'POST /v1/partners/:country/assessments': () => ({ url: '/v1/partners/CR/assessments', payload: { riskLevel: 'low', validUntil: '2030-12-31', summary: 'Matrix assessment.' } }),
  'GET /v1/partners/:country': () => ({ url: '/v1/partners/CR' }),
  'POST /v1/funds/:fiscalYear/allocations': () => ({ url: `/v1/funds/${FY}/allocations`, payload: { window: 'rapid_response', amount: 1, note: 'matrix' } }),
  'GET /v1/audit/events/:position/proof': () => ({ url: `/v1/audit/events/${sharedPosition}/proof` }),
  'POST /admin/session': (principal) => ({ url: '/admin/session', payload: { token: principal === 'anonymous' ? 'not-a-token' : tokens[principal] } }),
  'GET /v1/audit/checkpoints/consistency': () => ({ url: `/v1/audit/checkpoints/consistency?from=${treeSize}&to=${treeSize}` }),
  'POST /v1/aid-requests/:id/documents': () => ({
    url: `/v1/aid-requests/${shared}/documents`,
    payload: MULTIPART,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  }),
  'GET /v1/aid-requests/:id/documents': () => ({ url: `/v1/aid-requests/${shared}/documents` }),
  'GET /v1/aid-requests/:id/documents/:documentId': () => ({ url: `/v1/aid-requests/${shared}/documents/${sharedDocument}` }),
  'GET /v1/aid-requests/:id/documents/:documentId/content': () => ({ url: `/v1/aid-requests/${shared}/documents/${sharedDocument}/content` }),
  'GET /v1/aid-requests/:id/receipt': () => ({ url: `/v1/aid-requests/${shared}/receipt` }),
  'POST /v1/webhooks': (principal) => ({ url: '/v1/webhooks', payload: principal === 'admin' ? { url: HOOK_URL, scope: 'country:CR' } : { url: HOOK_URL } }),
  'GET /v1/webhooks/:id': () => ({ url: `/v1/webhooks/${sharedEndpoint}` }),
  'DELETE /v1/webhooks/:id': (_, allowed) => endpointUrl(allowed),
  'POST /v1/webhooks/:id/rotate-secret': (_, allowed) => endpointUrl(allowed, '/rotate-secret'),
  'POST /v1/webhooks/:id/test': (_, allowed) => endpointUrl(allowed, '/test'),
  'GET /v1/webhooks/:id/deliveries': () => ({ url: `/v1/webhooks/${sharedEndpoint}/deliveries` }),
  'POST /v1/webhooks/:id/deliveries/:deliveryId/retry': () => ({ url: `/v1/webhooks/${sharedEndpoint}/deliveries/${sharedDelivery}/retry` }),
};

/** An amendment decision: for an allowed officer on a freshly proposed one, otherwise on an id the shared request does not have. */
async function amendmentCall(allowed: boolean, decision: 'approve' | 'reject'): Promise<Call> {
  if (!allowed) return { url: `/v1/aid-requests/${shared}/amendments/0192f0a0-1111-7000-8000-00000000a001/${decision}`, payload: { reason: 'Within the programme.' } };
  const id = await approved();
  const proposed = await w.post(tokens.partnerOwn, `/v1/aid-requests/${id}/amendments`, { type: 'scope_change', description: 'Add a lab.', reason: 'New needs.' });
  expect(proposed.statusCode).toBe(201);
  return { url: `/v1/aid-requests/${id}/amendments/${proposed.json().id as string}/${decision}`, payload: { reason: 'Within the programme.' } };
}

/** A CR request approved for 1,000,000 cents (one tranche). */
async function approved(): Promise<string> {
  const id = await w.underReview();
  expect((await w.post(tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 1_000_000 })).statusCode).toBe(200);
  return id;
}

beforeAll(async () => {
  t = await createTestApp({ env: { CHECKPOINT_MAX_EVENTS: '2', CHECKPOINT_INTERVAL_MS: '200', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9' } });
  tokens = {
    partnerOwn: await t.token('partner', { country: 'CR', sub: 'cr-csirt' }),
    partnerOther: await t.token('partner', { country: 'PA', sub: 'pa-csirt' }),
    officer: await t.token('officer', { sub: 'officer-ana' }),
    auditor: await t.token('auditor', { sub: 'auditor-ines' }),
    admin: await t.token('admin', { sub: 'fund-manager' }),
  };
  w = new Workflow(t, { partner: tokens.partnerOwn, officer: tokens.officer, admin: tokens.admin });
  await w.allocate(FY, 'rapid_response', 500_000_000);
  shared = await w.triaged();
  await waitUntilSealed(t, { triaged: 1 });
  const { rows } = await t.pool.query<{ position: string }>('SELECT global_position::text AS position FROM events WHERE stream_id = $1 ORDER BY stream_version LIMIT 1', [
    `aid-request-${shared}`,
  ]);
  sharedPosition = Number(rows[0]!.position);
  treeSize = (await t.request({ method: 'GET', url: '/v1/audit/checkpoints/latest' })).json().treeSize;
  sharedEndpoint = await endpoint();
  const test = await w.post(tokens.partnerOwn, `/v1/webhooks/${sharedEndpoint}/test`, {});
  expect(test.statusCode).toBe(202);
  sharedDelivery = test.json().deliveryId as string;
  const uploaded = await t.request({
    method: 'POST',
    url: `/v1/aid-requests/${shared}/documents`,
    headers: { authorization: `Bearer ${tokens.partnerOwn}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    payload: MULTIPART,
  });
  expect(uploaded.statusCode).toBe(201);
  sharedDocument = uploaded.json().id as string;
}, 60_000);
afterAll(async () => {
  await t.close();
});

describe('the authorization matrix', () => {
  it('has an expectation for every route the application registers, and no other', () => {
    const routes = registeredRoutes(t.app);
    expect(routes.length).toBeGreaterThan(20);
    const fastify = t.app.getHttpAdapter().getInstance();
    for (const route of routes) {
      const [method, url] = route.split(' ') as [string, string];
      expect({ route, registered: fastify.hasRoute({ method, url }) }).toEqual({ route, registered: true });
    }
    expect({ withoutExpectation: routes.filter((r) => EXPECTED[r] === undefined) }).toEqual({ withoutExpectation: [] });
    expect({ noLongerRegistered: Object.keys(EXPECTED).filter((r) => !routes.includes(r)) }).toEqual({ noLongerRegistered: [] });
    // Nothing reaches Fastify besides Nest's routes and the queue dashboard's (checked below).
    const nest = new Set(routes);
    const elsewhere = t.fastifyRoutes.filter((r) => !nest.has(r) && !r.split(' ')[1]!.startsWith('/admin/queues') && !r.startsWith('OPTIONS '));
    expect({ elsewhere }).toEqual({ elsewhere: [] });
  });

  it('gives every principal on every route the contract’s answer (2xx, 401, 403 or 404)', async () => {
    const routes = registeredRoutes(t.app).filter((r) => EXPECTED[r] !== undefined);
    const mismatches: string[] = [];
    let cells = 0;
    for (const route of routes) {
      const [method, pattern] = route.split(' ') as ['GET' | 'POST', string];
      for (const principal of PRINCIPALS) {
        const expected = EXPECTED[route]![principal];
        const call: Call = await (CALLS[route] ?? ((): Call => ({ url: pattern })))(principal, expected === 'ok');
        const headers: Record<string, string> = { ...call.headers, ...(principal === 'anonymous' ? {} : { authorization: `Bearer ${tokens[principal]}` }) };
        const response: TestResponse = await t.request({ method, url: call.url, headers, ...(call.payload === undefined ? {} : { payload: call.payload }) });
        cells += 1;
        const fine = expected === 'ok' ? response.statusCode >= 200 && response.statusCode < 300 : response.statusCode === expected;
        if (!fine) mismatches.push(`${route} as ${principal}: expected ${expected}, got ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
    }
    // The size of the matrix, for the record.
    process.stdout.write(`authorization matrix: ${routes.length} routes × ${PRINCIPALS.length} principals = ${cells} cells\n`);
    expect(mismatches).toEqual([]);
    expect(cells).toBe(routes.length * PRINCIPALS.length);
  }, 180_000);

  it('closes every route of the queue dashboard (Fastify routes Nest does not see) to everyone but admins', async () => {
    const dashboard = [...new Set(t.fastifyRoutes.filter((route) => route.split(' ')[1]!.startsWith('/admin/queues')))].sort();
    expect(dashboard.length).toBeGreaterThan(20);
    const concrete = (url: string) =>
      url
        .replace(':queueName', 'triage')
        .replace(':queueStatus', 'failed')
        .replace(':jobId', 'no-such-job')
        .replace(':schedulerId', 'no-such-scheduler')
        .replace('*', 'js/none.js');
    const mismatches: string[] = [];
    for (const route of dashboard) {
      const [method, url] = route.split(' ') as ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string];
      for (const principal of PRINCIPALS) {
        const headers: Record<string, string> = principal === 'anonymous' ? {} : { authorization: `Bearer ${tokens[principal]}` };
        const response = await t.request({ method, url: concrete(url), headers, ...(method === 'GET' ? {} : { payload: {} }) });
        const expected = principal === 'anonymous' ? [401] : principal === 'admin' ? undefined : [403];
        const fine = expected === undefined ? response.statusCode !== 401 && response.statusCode !== 403 : expected.includes(response.statusCode);
        if (!fine) mismatches.push(`${route} as ${principal}: got ${response.statusCode}`);
      }
    }
    process.stdout.write(`queue dashboard: ${dashboard.length} routes × ${PRINCIPALS.length} principals = ${dashboard.length * PRINCIPALS.length} cells\n`);
    expect(mismatches).toEqual([]);
  }, 120_000);
});
