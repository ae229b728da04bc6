import { SignJWT, UnsecuredJWT } from 'jose';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, TEST_JWT_SECRET, type TestApp, type TestResponse } from '../support/test-app';

let t: TestApp;
let cr: string;
let vn: string;

beforeAll(async () => {
  // The API alone: these tests look at requests exactly as filed, before any triage.
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  vn = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
});
afterAll(async () => {
  await t.close();
});

/** A complete incident request (with a contact); `overrides` replace top-level fields. */
function incident(overrides: Record<string, unknown> = {}) {
  return incidentBody({ contact: { name: 'Ana Mora', email: 'ana@csirt.example.cr' }, ...overrides });
}

function capacity(overrides: Record<string, unknown> = {}) {
  return capacityBody(overrides);
}

async function file(token: string, body: unknown, headers: Record<string, string> = {}) {
  return t.request({
    method: 'POST',
    url: '/v1/aid-requests',
    headers: { authorization: `Bearer ${token}`, ...headers },
    payload: body,
  });
}

async function get(token: string, url: string) {
  return t.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

async function countStored(table: 'events' | 'aid_request_views'): Promise<number> {
  const { rows } = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

function expectProblem(response: TestResponse, status: number) {
  expect(response.statusCode).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  const body = response.json() as { type: string; title: string; status: number; detail: string; errors?: { field: string; message: string }[] };
  expect(body.status).toBe(status);
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('POST /v1/aid-requests', () => {
  it('files an incident request: 201, Location, ETag and the request view', async () => {
    const response = await file(cr, incident());
    expect(response.statusCode).toBe(201);
    const view = response.json();
    expect(response.headers['location']).toBe(`/v1/aid-requests/${view.id}`);
    expect(response.headers['etag']).toBe('"1"');
    expect(view).toMatchObject({
      country: 'CR',
      kind: 'incident_response',
      status: 'submitted',
      track: null,
      priority: null,
      triageReasons: [],
      amountRequested: 2_500_000,
      amountApproved: null,
      acknowledgeBy: null,
      decideBy: null,
      slaBreaches: [],
      assignedOfficer: null,
      approvals: [],
      tranches: [],
      version: 1,
      filedAt: '2026-11-28T10:00:00.000Z',
      updatedAt: '2026-11-28T10:00:00.000Z',
    });
    expect(view.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const read = await get(cr, `/v1/aid-requests/${view.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.headers['etag']).toBe('"1"');
    expect(read.json()).toEqual(view);
  });

  it('stores text outside the Basic Multilingual Plane and any script exactly as sent', async () => {
    const title = 'Rançongiciel 🔒 — 勒索软件 on customs';
    const response = await file(cr, incident({ title }));
    expect(response.statusCode).toBe(201);
    const read = await get(cr, `/v1/aid-requests/${response.json().id}`);
    expect(read.json().title).toBe(title);
  });

  it('records the filing as one AidRequestFiled event carrying the actor', async () => {
    const { id } = (await file(cr, capacity())).json();
    const timeline = await get(cr, `/v1/aid-requests/${id}/timeline`);
    expect(timeline.statusCode).toBe(200);
    const { items } = timeline.json();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      version: 1,
      type: 'AidRequestFiled',
      schemaVersion: 2,
      data: { requestId: id, country: 'CR', kind: 'capacity_building', amountRequested: '3000000' },
      metadata: { actor: { sub: 'cr-csirt', role: 'partner', country: 'CR' } },
    });
    expect(typeof items[0].position).toBe('number');
    expect(typeof items[0].metadata.requestId).toBe('string');
    expect(typeof items[0].metadata.commandId).toBe('string');
  });

  it('takes the country from the token, never from the body', async () => {
    const response = await file(cr, { ...incident(), country: 'VN' });
    const problem = expectProblem(response, 400);
    expect(problem.errors).toContainEqual({ field: 'country', message: 'property country should not exist' });
  });

  describe('validation: 400 problem+json naming each field, nothing stored', () => {
    const cases: [string, unknown, string[]][] = [
      ['an unknown kind', incident({ kind: 'other' }), ['kind']],
      ['a short title', incident({ title: 'abc' }), ['title']],
      ['a short description', incident({ description: 'too short' }), ['description']],
      ['an unknown action area', incident({ actionArea: 'space' }), ['actionArea']],
      ['a zero amount', incident({ amountRequested: 0 }), ['amountRequested']],
      ['a fractional amount', incident({ amountRequested: 10.5 }), ['amountRequested']],
      ['an amount as a string', incident({ amountRequested: '100' }), ['amountRequested']],
      ['an amount above 10,000,000,000', incident({ amountRequested: 10_000_000_001 }), ['amountRequested']],
      ['an incident without its section', incident({ incident: undefined }), ['incident']],
      ['a capacity request without its section', capacity({ capacity: undefined }), ['capacity']],
      ['an incident with a capacity section', incident({ capacity: capacity().capacity }), ['capacity']],
      ['a capacity request with an incident section', capacity({ incident: incident().incident }), ['incident']],
      ['an unknown severity', incident({ incident: { ...incident().incident, severity: 'apocalyptic' } }), ['incident.severity']],
      ['an unknown sector', incident({ incident: { ...incident().incident, sectors: ['space'] } }), ['incident.sectors']],
      ['11 sectors', incident({ incident: { ...incident().incident, sectors: Array(11).fill('energy') } }), ['incident.sectors']],
      ['a detection time without offset', incident({ incident: { ...incident().incident, detectedAt: '2026-11-27T08:00:00' } }), ['incident.detectedAt']],
      ['a detection time in the future', incident({ incident: { ...incident().incident, detectedAt: '2026-11-28T10:00:01Z' } }), ['incident.detectedAt']],
      ['ongoing as a string', incident({ incident: { ...incident().incident, ongoing: 'yes' } }), ['incident.ongoing']],
      ['0 months', capacity({ capacity: { ...capacity().capacity, durationMonths: 0 } }), ['capacity.durationMonths']],
      ['61 months', capacity({ capacity: { ...capacity().capacity, durationMonths: 61 } }), ['capacity.durationMonths']],
      ['no milestones', capacity({ capacity: { ...capacity().capacity, milestones: [] } }), ['capacity.milestones']],
      ['21 milestones', capacity({ amountRequested: 21, capacity: { ...capacity().capacity, milestones: Array.from({ length: 21 }, () => ({ title: 'm', amount: 1 })) } }), ['capacity.milestones']],
      ['a milestone with a bad amount', capacity({ capacity: { ...capacity().capacity, milestones: [{ title: 'm', amount: -1 }] } }), ['capacity.milestones.0.amount']],
      ['milestones that do not add up', capacity({ amountRequested: 3_000_001 }), ['capacity.milestones']],
      ['a bad contact email', incident({ contact: { name: 'Ana', email: 'not-an-email' } }), ['contact.email']],
      ['an unknown field', incident({ priority: 1 }), ['priority']],
      ['an unknown nested field', incident({ incident: { ...incident().incident, extra: true } }), ['incident.extra']],
      ['an incident section that is an array', incident({ incident: [] }), ['incident']],
      ['a capacity section that is an array', capacity({ capacity: [capacity().capacity] }), ['capacity']],
      ['a contact that is a string', incident({ contact: 'Ana Mora' }), ['contact']],
      // Text Postgres cannot store, and nesting that would exhaust the validator's recursion: each a 400, never a 500.
      ['a NUL character in the title', incident({ title: 'Ransom\u0000ware on customs' }), ['title']],
      ['an unpaired surrogate in the description', incident({ description: 'Customs systems encrypted \uD800 since this morning.' }), ['description']],
      ['a NUL character in a member name', incident({ contact: { name: 'Ana', email: 'ana@csirt.example.cr', 'e\u0000xtra': 1 } }), ['contact']],
    ];

    it.each(cases)('refuses %s', async (_label, body, fields) => {
      const before = await countStored('events');
      const problem = expectProblem(await file(cr, body), 400);
      expect(problem.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(fields));
      for (const error of problem.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
      expect(await countStored('events')).toBe(before);
    });

    it('refuses a body that is not a JSON object', async () => {
      expectProblem(await file(cr, [incident()]), 400);
      const response = await file(cr, '"just a string"', { 'content-type': 'application/json' });
      expectProblem(response, 400);
    });

    it('refuses a title nested 20,000 arrays deep with 400 naming it, not a stack overflow', async () => {
      const depth = 20_000;
      const before = await countStored('events');
      const body = JSON.stringify(incident({ title: 'DEEP' })).replace('"DEEP"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
      const response = await file(cr, body, { 'content-type': 'application/json' });
      const problem = expectProblem(response, 400);
      expect(problem.errors?.map((e) => e.field)).toEqual([`title${'.0'.repeat(15)}`]);
      expect(await countStored('events')).toBe(before);
    });

    it('refuses malformed JSON with 400', async () => {
      const response = await file(cr, '{"kind": "incident_response",', { 'content-type': 'application/json' });
      expectProblem(response, 400);
    });

    it('refuses a body over the size limit with 413', async () => {
      const response = await file(cr, incident({ description: 'x'.repeat(1_100_000) }));
      expectProblem(response, 413);
    });

    it('refuses a body that is not JSON with 415', async () => {
      const response = await file(cr, 'hello', { 'content-type': 'text/plain' });
      expectProblem(response, 415);
    });

    it('refuses a form-encoded body with 415', async () => {
      const response = await file(cr, 'kind=incident_response&title=Ransomware', { 'content-type': 'application/x-www-form-urlencoded' });
      expectProblem(response, 415);
    });
  });

  describe('authentication and roles', () => {
    const secret = new TextEncoder().encode(TEST_JWT_SECRET);

    it('401 without a token', async () => {
      const response = await t.request({ method: 'POST', url: '/v1/aid-requests', payload: incident() });
      expectProblem(response, 401);
    });

    it('401 for alg none', async () => {
      const unsigned = new UnsecuredJWT({ role: 'partner', country: 'CR' }).setSubject('x').setExpirationTime('1h').encode();
      expectProblem(await file(unsigned, incident()), 401);
    });

    it('401 for an expired token', async () => {
      const expired = await new SignJWT({ role: 'partner', country: 'CR' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('cr')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(secret);
      const problem = expectProblem(await file(expired, incident()), 401);
      expect(problem.detail).toMatch(/expired/);
    });

    it('401 for a token signed with another key', async () => {
      const forged = await new SignJWT({ role: 'partner', country: 'CR' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('cr')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('some-other-secret-that-is-32-bytes-long!!'));
      expectProblem(await file(forged, incident()), 401);
    });

    it('401 for an unknown role or a partner without a country', async () => {
      const sign = (claims: Record<string, unknown>) =>
        new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('someone').setExpirationTime('1h').sign(secret);
      expectProblem(await file(await sign({ role: 'superuser' }), incident()), 401);
      expectProblem(await file(await sign({ role: 'partner' }), incident()), 401);
      expectProblem(await file(await sign({ role: 'partner', country: 'Costa Rica' }), incident()), 401);
    });

    it('401 for a sub claim with a control character or an unpaired surrogate', async () => {
      for (const sub of ['cr\u0000csirt', 'cr-csirt\nforged log line', 'cr-\uD800']) {
        const token = await new SignJWT({ role: 'partner', country: 'CR' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(secret);
        const problem = expectProblem(await file(token, incident()), 401);
        expect(problem.detail).toMatch(/sub/);
      }
    });

    it('403 when an officer, auditor or admin tries to file', async () => {
      for (const role of ['officer', 'auditor', 'admin'] as const) {
        expectProblem(await file(await t.token(role), incident()), 403);
      }
    });
  });
});

describe('reading requests', () => {
  let crId: string;
  let vnId: string;

  beforeAll(async () => {
    crId = (await file(cr, incident({ title: 'Costa Rica incident' }))).json().id;
    vnId = (await file(vn, capacity({ title: 'Vietnam training' }))).json().id;
  });

  it("answers 404 for another country's request, exactly as for an unknown id", async () => {
    const foreign = await get(cr, `/v1/aid-requests/${vnId}`);
    const unknown = await get(cr, '/v1/aid-requests/01a22131-0000-7000-8000-000000000000');
    expectProblem(foreign, 404);
    expectProblem(unknown, 404);
    expect(foreign.json().type).toBe(unknown.json().type);
    expectProblem(await get(cr, `/v1/aid-requests/${vnId}/timeline`), 404);
    expectProblem(await get(cr, '/v1/aid-requests/not-a-uuid'), 404);
  });

  it('lets officers and auditors read every country; admins get 403', async () => {
    for (const role of ['officer', 'auditor'] as const) {
      const token = await t.token(role);
      expect((await get(token, `/v1/aid-requests/${vnId}`)).statusCode).toBe(200);
      expect((await get(token, `/v1/aid-requests/${crId}/timeline`)).statusCode).toBe(200);
    }
    expectProblem(await get(await t.token('admin'), `/v1/aid-requests/${vnId}`), 403);
  });

  it("lists only the partner's own country, even when it asks for another", async () => {
    const own = (await get(cr, '/v1/aid-requests?limit=500')).json();
    expect(own.items.length).toBeGreaterThan(0);
    expect(own.items.every((item: { country: string }) => item.country === 'CR')).toBe(true);
    expect(own.items.map((item: { id: string }) => item.id)).not.toContain(vnId);
    const foreign = (await get(cr, '/v1/aid-requests?country=VN')).json();
    expect(foreign.items).toEqual([]);
  });

  it('filters by country, kind and status for officers', async () => {
    const officer = await t.token('officer');
    const vnOnly = (await get(officer, '/v1/aid-requests?country=VN&limit=500')).json();
    expect(vnOnly.items.map((i: { id: string }) => i.id)).toContain(vnId);
    expect(vnOnly.items.every((i: { country: string }) => i.country === 'VN')).toBe(true);
    const capacityOnly = (await get(officer, '/v1/aid-requests?kind=capacity_building&limit=500')).json();
    expect(capacityOnly.items.every((i: { kind: string }) => i.kind === 'capacity_building')).toBe(true);
    const triaged = (await get(officer, '/v1/aid-requests?status=triaged')).json();
    expect(triaged.items).toEqual([]);
  });

  it('pages with an opaque cursor, newest first, without repeats or gaps', async () => {
    const officer = await t.token('officer');
    for (let i = 0; i < 5; i++) {
      t.clock.advance(1000);
      await file(cr, incident({ title: `Paged incident ${i}` }));
    }
    const all = (await get(officer, '/v1/aid-requests?limit=500')).json().items.map((i: { id: string }) => i.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/aid-requests?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await get(officer, url)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
    const filedAts = (await get(officer, '/v1/aid-requests?limit=500')).json().items.map((i: { filedAt: string }) => i.filedAt);
    expect([...filedAts].sort().reverse()).toEqual(filedAts);
  });

  it('refuses bad list parameters with 400', async () => {
    const officer = await t.token('officer');
    expectProblem(await get(officer, '/v1/aid-requests?limit=0'), 400);
    expectProblem(await get(officer, '/v1/aid-requests?limit=501'), 400);
    expectProblem(await get(officer, '/v1/aid-requests?status=lost'), 400);
    expectProblem(await get(officer, '/v1/aid-requests?cursor=garbage'), 400);
    expectProblem(await get(officer, '/v1/aid-requests?sort=title'), 400);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body: same status, same id, nothing new stored', async () => {
    const first = await file(cr, incident(), { 'idempotency-key': 'file-1' });
    expect(first.statusCode).toBe(201);
    const before = await countStored('events');
    t.clock.advance(60_000);
    const again = await file(cr, incident(), { 'idempotency-key': 'file-1' });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['location']).toBe(first.headers['location']);
    expect(again.headers['etag']).toBe(first.headers['etag']);
    expect(await countStored('events')).toBe(before);
  });

  it('treats the same body with keys in another order as the same request', async () => {
    const body = incident();
    const first = await file(cr, body, { 'idempotency-key': 'file-order' });
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await file(cr, reordered, { 'idempotency-key': 'file-order' });
    expect(again.json().id).toBe(first.json().id);
  });

  it('answers 422 for the same key with another body, storing nothing', async () => {
    await file(cr, incident(), { 'idempotency-key': 'file-2' });
    const before = await countStored('events');
    const other = await file(cr, incident({ amountRequested: 999 }), { 'idempotency-key': 'file-2' });
    expectProblem(other, 422);
    expect(await countStored('events')).toBe(before);
  });

  it('scopes keys to the caller: another partner may use the same key', async () => {
    const mine = await file(cr, incident(), { 'idempotency-key': 'shared-key' });
    const theirs = await file(vn, incident(), { 'idempotency-key': 'shared-key' });
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().id).not.toBe(mine.json().id);
    expect(theirs.json().country).toBe('VN');
  });

  it('creates exactly one request when identical requests race with one key', async () => {
    const before = await countStored('events');
    const responses = await Promise.all(Array.from({ length: 10 }, () => file(cr, incident(), { 'idempotency-key': 'race-1' })));
    expect(await countStored('events')).toBe(before + 1);
    const created = responses.filter((r) => r.statusCode === 201);
    const inFlight = responses.filter((r) => r.statusCode === 409);
    expect(created.length + inFlight.length).toBe(10);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.json().id)).size).toBe(1);
    for (const r of inFlight) expect(r.json().type).toContain('idempotency_key.in_progress');
  });

  it('refuses a malformed key with 400', async () => {
    expectProblem(await file(cr, incident(), { 'idempotency-key': 'x'.repeat(256) }), 400);
  });

  it('does not record a key for a refused request, so a corrected retry with the key succeeds', async () => {
    expectProblem(await file(cr, incident({ amountRequested: 0 }), { 'idempotency-key': 'fix-and-retry' }), 400);
    const { rows } = await t.pool.query("SELECT 1 FROM idempotency_keys WHERE key = 'fix-and-retry'");
    expect(rows).toHaveLength(0);
  });
});

describe('the event log is append-only', () => {
  it.each(['UPDATE events SET data = data', 'DELETE FROM events', 'TRUNCATE events'])('refuses %s', async (statement) => {
    await expect(t.pool.query(statement)).rejects.toThrow(/append-only/);
  });
});
