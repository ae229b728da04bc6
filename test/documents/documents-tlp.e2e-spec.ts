import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';
import { uploadFile } from '../support/documents';

let t: TestApp;
const tokens: Record<string, string> = {};
let requestId: string;

type Who = 'partner' | 'samePartnerCountry' | 'otherCountry' | 'assignedOfficer' | 'otherOfficer' | 'auditor';

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
  tokens['partner'] = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  tokens['samePartnerCountry'] = await t.token('partner', { country: 'CR', sub: 'cr-ministry' });
  tokens['otherCountry'] = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
  tokens['assignedOfficer'] = await t.token('officer', { sub: 'officer-ana' });
  tokens['otherOfficer'] = await t.token('officer', { sub: 'officer-bo' });
  tokens['auditor'] = await t.token('auditor', { sub: 'auditor-1' });
  requestId = await fileRequest();
  await triageAndClaim(requestId, tokens['assignedOfficer']);
});
afterAll(async () => {
  await t.close();
});

async function fileRequest(): Promise<string> {
  const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${tokens['partner']}` }, payload: incidentBody() });
  expect(response.statusCode).toBe(201);
  return response.json().id as string;
}

async function triageAndClaim(id: string, officer: string): Promise<void> {
  const headers = { authorization: `Bearer ${officer}` };
  const triage = await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/triage`, headers, payload: { track: 'rapid_response', priority: 2, reason: 'test' } });
  expect(triage.statusCode).toBe(200);
  expect((await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/claim`, headers })).statusCode).toBe(200);
}

function get(who: string, url: string) {
  return t.request({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[who]}` } });
}

async function attach(id: string, uploader: string, tlp: string): Promise<{ id: string; sha256: string }> {
  const response = await uploadFile(t, tokens[uploader]!, id, `${tlp}.txt`, Buffer.from(`evidence marked ${tlp} by ${uploader}\n`), { tlp });
  expect(response.statusCode).toBe(201);
  expect(response.json().tlp).toBe(tlp);
  return response.json();
}

const OPEN: Record<Who, number> = { partner: 200, samePartnerCountry: 200, otherCountry: 404, assignedOfficer: 200, otherOfficer: 200, auditor: 200 };
const RESTRICTED: Record<Who, number> = { partner: 200, samePartnerCountry: 200, otherCountry: 404, assignedOfficer: 200, otherOfficer: 403, auditor: 403 };
const EXPECTED: Record<string, Record<Who, number>> = { CLEAR: OPEN, GREEN: OPEN, AMBER: OPEN, 'AMBER+STRICT': RESTRICTED, RED: RESTRICTED };

describe('TLP on document content', () => {
  describe.each(Object.keys(EXPECTED))('a %s document uploaded by the partner', (tlp) => {
    let document: { id: string; sha256: string };
    beforeAll(async () => {
      document = await attach(requestId, 'partner', tlp);
    });

    it.each(Object.entries(EXPECTED[tlp]!))('content for %s: %d', async (who, status) => {
      const response = await get(who, `/v1/aid-requests/${requestId}/documents/${document.id}/content`);
      expect(response.statusCode).toBe(status);
      if (status === 200) expect(response.body).toBe(`evidence marked ${tlp} by partner\n`);
      if (status === 403) {
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.json().type).toMatch(/\/tlp-restricted$/u);
        expect(response.body).not.toContain('evidence marked');
      }
    });

    it.each(Object.keys(EXPECTED[tlp]!))('metadata and hash for %s: visible to everyone who may read the request', async (who) => {
      const one = await get(who, `/v1/aid-requests/${requestId}/documents/${document.id}`);
      const list = await get(who, `/v1/aid-requests/${requestId}/documents`);
      if (who === 'otherCountry') {
        expect([one.statusCode, list.statusCode]).toEqual([404, 404]);
        return;
      }
      expect(one.statusCode).toBe(200);
      expect(one.json().sha256).toBe(document.sha256);
      expect(list.json().items.map((d: { id: string }) => d.id)).toContain(document.id);
    });
  });

  it('RED content goes to an unassigned officer who uploaded it; AMBER+STRICT does not', async () => {
    const red = await attach(requestId, 'otherOfficer', 'RED');
    const strict = await attach(requestId, 'otherOfficer', 'AMBER+STRICT');
    expect((await get('otherOfficer', `/v1/aid-requests/${requestId}/documents/${red.id}/content`)).statusCode).toBe(200);
    expect((await get('otherOfficer', `/v1/aid-requests/${requestId}/documents/${strict.id}/content`)).statusCode).toBe(403);
    expect((await get('auditor', `/v1/aid-requests/${requestId}/documents/${red.id}/content`)).statusCode).toBe(403);
    expect((await get('partner', `/v1/aid-requests/${requestId}/documents/${red.id}/content`)).statusCode).toBe(200);
    expect((await get('assignedOfficer', `/v1/aid-requests/${requestId}/documents/${strict.id}/content`)).statusCode).toBe(200);
  });

  it('the officer gets restricted content once assigned, not before', async () => {
    const id = await fileRequest();
    const strict = await attach(id, 'partner', 'AMBER+STRICT');
    const url = `/v1/aid-requests/${id}/documents/${strict.id}/content`;
    expect((await get('assignedOfficer', url)).statusCode).toBe(403);
    await triageAndClaim(id, tokens['assignedOfficer']!);
    expect((await get('assignedOfficer', url)).statusCode).toBe(200);
    expect((await get('otherOfficer', url)).statusCode).toBe(403);
  });
});
