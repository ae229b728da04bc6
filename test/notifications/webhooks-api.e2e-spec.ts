import { createTestApp, type TestApp } from '../support/test-app';

// The API alone: no worker, so nothing is ever sent to the (public, documentation-only) addresses
// registered here.
let t: TestApp;
let cr: string;
let vn: string;
let admin: string;
let officer: string;
let auditor: string;

const PUBLIC = 'https://93.184.215.14/hooks/cdt';

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api', WEBHOOK_ALLOWED_HOSTS: 'allowed.internal:8443' } });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  vn = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
  admin = await t.token('admin', { sub: 'fund-manager' });
  officer = await t.token('officer', { sub: 'officer-1' });
  auditor = await t.token('auditor', { sub: 'inspector' });
});
afterAll(async () => {
  await t.close();
});

function call(method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: unknown, headers: Record<string, string> = {}) {
  return t.request({ method, url, headers: { authorization: `Bearer ${token}`, ...headers }, payload });
}

describe('POST /v1/webhooks', () => {
  it('registers a partner endpoint for its own country, every country type by default, with a secret shown once', async () => {
    const response = await call('POST', '/v1/webhooks', cr, { url: PUBLIC, description: 'CSIRT intake' });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(response.headers.location).toBe(`/v1/webhooks/${body.id}`);
    expect(body).toMatchObject({ scope: 'country:CR', url: PUBLIC, description: 'CSIRT intake', status: 'active' });
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(body.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(body.events).toEqual([
      'aid_request.filed',
      'aid_request.triaged',
      'aid_request.under_review',
      'aid_request.information_requested',
      'aid_request.approved',
      'aid_request.rejected',
      'aid_request.withdrawn',
      'aid_request.tranche_disbursed',
      'aid_request.closed',
      'webhook.test',
    ]);
    expect(Date.parse(body.createdAt)).not.toBeNaN();

    const read = await call('GET', `/v1/webhooks/${body.id}`, cr);
    expect(read.statusCode).toBe(200);
    expect(read.json().secret).toBeUndefined();
    expect(read.json()).toMatchObject({ id: body.id, scope: 'country:CR', status: 'active' });

    // The secret is at rest only sealed, and never in the event log.
    const stored = await t.pool.query(`SELECT view::text AS v FROM webhook_endpoints WHERE id = $1`, [body.id]);
    expect(stored.rows[0].v).not.toContain(body.secret.slice(6));
    const events = await t.pool.query(`SELECT event_type, data::text AS d, metadata FROM events WHERE stream_id = $1`, [`webhook-endpoint-${body.id}`]);
    expect(events.rows.map((row) => row.event_type)).toEqual(['WebhookEndpointRegistered']);
    expect(events.rows[0].d).not.toContain(body.secret.slice(6));
    expect(events.rows[0].d).toContain('cr-csirt');
  });

  it('lets an admin register fund-scoped endpoints (with alerts) and country-scoped ones', async () => {
    const fund = await call('POST', '/v1/webhooks', admin, { url: PUBLIC, scope: 'fund', events: ['alert.urgent_incident', 'alert.sla_breached'] });
    expect(fund.statusCode).toBe(201);
    expect(fund.json()).toMatchObject({ scope: 'fund', events: ['alert.urgent_incident', 'alert.sla_breached'] });
    const all = await call('POST', '/v1/webhooks', admin, { url: PUBLIC, scope: 'fund' });
    expect(all.json().events).toEqual(expect.arrayContaining(['aid_request.filed', 'alert.report_overdue', 'alert.possible_duplicate', 'webhook.test']));
    const country = await call('POST', '/v1/webhooks', admin, { url: PUBLIC, scope: 'country:VN' });
    expect(country.statusCode).toBe(201);
    expect(country.json().scope).toBe('country:VN');
  });

  it.each([
    [{ url: PUBLIC, scope: 'country:VN' }, 'scope'],
    [{ url: PUBLIC, scope: 'fund' }, 'scope'],
    [{ url: PUBLIC, events: ['alert.sla_breached'] }, 'events'],
    [{ url: PUBLIC, events: ['aid_request.nope'] }, 'events'],
    [{ url: PUBLIC, events: [] }, 'events'],
    [{ url: 'ftp://93.184.215.14/x' }, 'url'],
    [{ url: 'not a url' }, 'url'],
    [{ url: 'http://127.0.0.1:9/hook' }, 'url'],
    [{ url: 'http://localhost:9/hook' }, 'url'],
    [{ url: 'https://10.1.2.3/hook' }, 'url'],
    [{ url: 'https://192.168.1.1/hook' }, 'url'],
    [{ url: 'https://169.254.169.254/latest' }, 'url'],
    [{ url: 'https://[::1]/hook' }, 'url'],
    [{ url: 'https://[fd00::1]/hook' }, 'url'],
    [{ url: 'https://[fe80::1]/hook' }, 'url'],
    [{ url: 'https://0.0.0.0/hook' }, 'url'],
    [{ url: 'https://[::ffff:127.0.0.1]/hook' }, 'url'],
    [{}, 'url'],
    [{ url: PUBLIC, extra: 1 }, 'extra'],
  ])('refuses %j from a partner with 400 naming %s', async (body, field) => {
    const response = await call('POST', '/v1/webhooks', cr, body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('requires an admin to name the scope, and refuses a malformed one', async () => {
    expect((await call('POST', '/v1/webhooks', admin, { url: PUBLIC })).json().errors[0].field).toBe('scope');
    expect((await call('POST', '/v1/webhooks', admin, { url: PUBLIC, scope: 'country:cr' })).statusCode).toBe(400);
  });

  it('accepts a private host that WEBHOOK_ALLOWED_HOSTS lists, on the listed port only', async () => {
    // allowed.internal does not resolve: the allow-list is what lets it through.
    expect((await call('POST', '/v1/webhooks', cr, { url: 'https://allowed.internal:8443/hook' })).statusCode).toBe(201);
    expect((await call('POST', '/v1/webhooks', cr, { url: 'https://allowed.internal:9443/hook' })).statusCode).toBe(400);
  });

  it('forbids officers and auditors (403), and needs a token (401)', async () => {
    for (const token of [officer, auditor]) {
      expect((await call('POST', '/v1/webhooks', token, { url: PUBLIC, scope: 'fund' })).statusCode).toBe(403);
      expect((await call('GET', '/v1/webhooks', token)).statusCode).toBe(403);
    }
    expect((await t.request({ method: 'GET', url: '/v1/webhooks' })).statusCode).toBe(401);
  });

  it('answers a repeated Idempotency-Key with the first answer, secret included', async () => {
    const headers = { 'idempotency-key': 'register-once' };
    const first = await call('POST', '/v1/webhooks', cr, { url: PUBLIC }, headers);
    const again = await call('POST', '/v1/webhooks', cr, { url: PUBLIC }, headers);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
  });
});

describe('GET, DELETE and rotation', () => {
  it('isolates countries: another country’s endpoint is 404 everywhere; the admin sees all', async () => {
    const mine = (await call('POST', '/v1/webhooks', cr, { url: PUBLIC })).json();
    expect((await call('GET', `/v1/webhooks/${mine.id}`, vn)).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/webhooks/${mine.id}`, vn)).statusCode).toBe(404);
    expect((await call('POST', `/v1/webhooks/${mine.id}/rotate-secret`, vn)).statusCode).toBe(404);
    expect((await call('POST', `/v1/webhooks/${mine.id}/test`, vn)).statusCode).toBe(404);
    expect((await call('GET', `/v1/webhooks/${mine.id}/deliveries`, vn)).statusCode).toBe(404);
    expect((await call('GET', '/v1/webhooks/not-a-uuid', cr)).statusCode).toBe(404);

    const vnList = (await call('GET', '/v1/webhooks', vn)).json().items;
    expect(vnList.map((e: { id: string }) => e.id)).not.toContain(mine.id);
    const crList = (await call('GET', '/v1/webhooks', cr)).json().items;
    expect(crList.length).toBeGreaterThan(0);
    expect(crList.every((e: { scope: string; secret?: string }) => e.scope === 'country:CR' && e.secret === undefined)).toBe(true);
    const all = (await call('GET', '/v1/webhooks', admin)).json().items;
    expect(all.map((e: { id: string }) => e.id)).toContain(mine.id);
  });

  it('deletes (204): the endpoint is gone from reads, and the deletion is recorded as an event', async () => {
    const mine = (await call('POST', '/v1/webhooks', cr, { url: PUBLIC })).json();
    const deleted = await call('DELETE', `/v1/webhooks/${mine.id}`, cr);
    expect(deleted.statusCode).toBe(204);
    expect((await call('GET', `/v1/webhooks/${mine.id}`, cr)).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/webhooks/${mine.id}`, cr)).statusCode).toBe(404);
    expect((await call('GET', '/v1/webhooks', admin)).json().items.map((e: { id: string }) => e.id)).not.toContain(mine.id);
    const events = await t.pool.query(`SELECT event_type, data->>'deletedBy' AS by FROM events WHERE stream_id = $1 ORDER BY stream_version`, [`webhook-endpoint-${mine.id}`]);
    expect(events.rows).toEqual([{ event_type: 'WebhookEndpointRegistered', by: null }, { event_type: 'WebhookEndpointDeleted', by: 'cr-csirt' }]);
  });

  it('rotates the secret (200, a new secret), recording who did it without the secret', async () => {
    const mine = (await call('POST', '/v1/webhooks', cr, { url: PUBLIC })).json();
    const rotated = await call('POST', `/v1/webhooks/${mine.id}/rotate-secret`, cr);
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(mine.secret);
    const events = await t.pool.query(`SELECT event_type, data::text AS d FROM events WHERE stream_id = $1 ORDER BY stream_version`, [`webhook-endpoint-${mine.id}`]);
    expect(events.rows.map((row) => row.event_type)).toEqual(['WebhookEndpointRegistered', 'WebhookSecretRotated']);
    expect(events.rows[1].d).not.toContain(rotated.json().secret.slice(6));
    expect(JSON.parse(events.rows[1].d).rotatedBy).toBe('cr-csirt');
  });

  it('answers the delivery log of a new endpoint with an empty page, and a retry of an unknown delivery with 404', async () => {
    const mine = (await call('POST', '/v1/webhooks', cr, { url: PUBLIC })).json();
    const log = await call('GET', `/v1/webhooks/${mine.id}/deliveries?status=failed`, cr);
    expect(log.statusCode).toBe(200);
    expect(log.json()).toEqual({ items: [], nextCursor: null });
    expect((await call('GET', `/v1/webhooks/${mine.id}/deliveries?status=lost`, cr)).statusCode).toBe(400);
    expect((await call('POST', `/v1/webhooks/${mine.id}/deliveries/msg_nope/retry`, cr)).statusCode).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('describes the webhook routes with their ids, bodies, answers and problems', async () => {
    const { SwaggerModule, DocumentBuilder } = await import('@nestjs/swagger');
    const document = SwaggerModule.createDocument(t.app, new DocumentBuilder().build());
    const item = document.paths['/v1/webhooks/{id}'];
    expect(item?.get?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path' })]));
    expect(Object.keys(item?.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '403', '404']));
    expect(Object.keys(item?.delete?.responses ?? {})).toContain('204');
    const register = document.paths['/v1/webhooks']?.post;
    expect(JSON.stringify(register?.requestBody)).toContain('RegisterWebhookDto');
    expect(Object.keys(register?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '403']));
    const retry = document.paths['/v1/webhooks/{id}/deliveries/{deliveryId}/retry']?.post;
    expect(retry?.parameters?.map((p) => ('name' in p ? p.name : ''))).toEqual(expect.arrayContaining(['id', 'deliveryId']));
    expect(Object.keys(retry?.responses ?? {})).toEqual(expect.arrayContaining(['202', '404', '409']));
    expect(document.components?.schemas?.['WebhookEndpointWithSecretDto']).toBeDefined();
  });
});
