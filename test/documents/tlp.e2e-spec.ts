import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let cr: string;
let officer: string;

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  officer = await t.token('officer', { sub: 'officer-1' });
});
afterAll(async () => {
  await t.close();
});

async function file(body: unknown) {
  return t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${cr}` }, payload: body });
}

async function filedEventData(id: string): Promise<Record<string, unknown>> {
  const { rows } = await t.pool.query<{ data: Record<string, unknown> }>(
    `SELECT data FROM events WHERE stream_id = $1 AND event_type = 'AidRequestFiled'`,
    [`aid-request-${id}`],
  );
  return rows[0]!.data;
}

describe('TLP 2.0 on filings', () => {
  it('defaults to AMBER, in the view, the list and the filed event', async () => {
    const response = await file(incidentBody());
    expect(response.statusCode).toBe(201);
    const view = response.json();
    expect(view.tlp).toBe('AMBER');
    expect((await filedEventData(view.id)).tlp).toBe('AMBER');
    const listed = await t.request({ method: 'GET', url: '/v1/aid-requests', headers: { authorization: `Bearer ${officer}` } });
    expect(listed.json().items.find((item: { id: string }) => item.id === view.id).tlp).toBe('AMBER');
  });

  it.each(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'])('records %s as given', async (tlp) => {
    const response = await file(incidentBody({ tlp }));
    expect(response.statusCode).toBe(201);
    const view = response.json();
    expect(view.tlp).toBe(tlp);
    expect((await filedEventData(view.id)).tlp).toBe(tlp);
    const read = await t.request({ method: 'GET', url: `/v1/aid-requests/${view.id}`, headers: { authorization: `Bearer ${officer}` } });
    expect(read.json().tlp).toBe(tlp);
    const { rows } = await t.pool.query<{ tlp: string }>('SELECT tlp FROM aid_request_views WHERE id = $1', [view.id]);
    expect(rows[0]!.tlp).toBe(tlp);
  });

  it.each(['amber', 'WHITE', 'AMBER STRICT', '', 3])('refuses %p with 400 naming tlp, storing nothing', async (tlp) => {
    const before = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    const response = await file(incidentBody({ tlp }));
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain('tlp');
    const after = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});
