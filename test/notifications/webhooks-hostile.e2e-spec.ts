import fc from 'fast-check';
import { createTestApp, type TestApp, type TestResponse } from '../support/test-app';

/**
 * Whatever a client sends to the webhook routes, the answer is never a 5xx, and every 4xx is
 * problem+json. The API alone runs here: nothing is ever delivered to what gets registered.
 * Generated URLs never name a host to resolve (only IP literals and localhost), so no test sends
 * a DNS query off this machine.
 */

let t: TestApp;
let partner: string;
let admin: string;
let endpointId: string;

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
  partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  admin = await t.token('admin', { sub: 'fund-manager' });
  const created = await t.request({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${partner}` }, payload: { url: 'https://93.184.215.14/h' } });
  expect(created.statusCode).toBe(201);
  endpointId = created.json().id;
});
afterAll(async () => {
  await t.close();
});

const RUNS = 60;

const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\uD800', '', 'fund', 'country:CR', 'country:', 'aid_request.filed', 'https://127.0.0.1/', 'http://[::1]/', 'https://localhost/'),
);
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 2 ** 53, 1e308));
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

const VALID = { url: 'https://93.184.215.14/hooks', events: ['aid_request.filed'], description: 'intake', scope: 'country:CR' };

function bodies(): fc.Arbitrary<string> {
  const replaced = fc.tuple(fc.constantFrom('url', 'events', 'description', 'scope', 'unexpected'), json).map(([key, value]) => JSON.stringify({ ...VALID, [key]: value }));
  return fc.oneof(json.map((value) => JSON.stringify(value) ?? 'null'), replaced, text);
}

const segment = fc.oneof(
  text.filter((s) => !/[\uD800-\uDFFF]/u.test(s)).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%00', '%ff', '%', '..', 'null', '00000000-0000-0000-0000-000000000000'),
);

function expectNoServerError(label: string, response: TestResponse): void {
  expect([label, response.statusCode < 500]).toEqual([label, true]);
  if (response.statusCode >= 400) expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('no input to the webhook routes gets a 5xx', () => {
  it.each([
    ['a partner', () => partner],
    ['an admin', () => admin],
  ])('POST /v1/webhooks with any body from %s', async (_, token) => {
    await fc.assert(
      fc.asyncProperty(bodies(), async (body) => {
        const response = await t.request({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' }, payload: body });
        expectNoServerError(body.slice(0, 200), response);
      }),
      { numRuns: RUNS },
    );
  });

  it('GET /v1/webhooks/:id/deliveries with any query', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.oneof(fc.constantFrom('status', 'limit', 'cursor'), segment), segment), { maxLength: 4 }), async (pairs) => {
        const url = `/v1/webhooks/${endpointId}/deliveries?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
        expectNoServerError(url, await t.request({ method: 'GET', url, headers: { authorization: `Bearer ${partner}` } }));
      }),
      { numRuns: RUNS },
    );
  });

  it('GET /v1/webhooks/:id/deliveries with any cursor that decodes to JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(json, fc.record({ createdUs: fc.oneof(text, fc.constantFrom('99999999999999999', '0', '-1')), id: fc.oneof(text, fc.constant('msg_abc')) })), async (value) => {
        const cursor = Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
        const url = `/v1/webhooks/${endpointId}/deliveries?cursor=${cursor}`;
        expectNoServerError(url, await t.request({ method: 'GET', url, headers: { authorization: `Bearer ${partner}` } }));
      }),
      { numRuns: RUNS },
    );
  });

  it('any path segment where an endpoint or a delivery id goes', async () => {
    await fc.assert(
      fc.asyncProperty(segment.filter((s) => s.length > 0), async (s) => {
        for (const [method, url] of [
          ['GET', `/v1/webhooks/${s}`],
          ['DELETE', `/v1/webhooks/${s}`],
          ['POST', `/v1/webhooks/${s}/rotate-secret`],
          ['POST', `/v1/webhooks/${s}/test`],
          ['GET', `/v1/webhooks/${s}/deliveries`],
          ['POST', `/v1/webhooks/${endpointId}/deliveries/${s}/retry`],
        ] as const) {
          const payload = method === 'POST' ? '{}' : undefined;
          const headers: Record<string, string> = { authorization: `Bearer ${partner}`, ...(payload ? { 'content-type': 'application/json' } : {}) };
          expectNoServerError(`${method} ${url}`, await t.request({ method, url, headers, payload }));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
