import { eventually } from '@app/testing';
import { OfficerAlerts } from '../../src/notifications/alerts/officer-alerts';
import { IncidentAssessmentStore } from '../../src/triage/jobs/incident-assessment.store';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let alerts: OfficerAlerts;

beforeAll(async () => {
  t = await createTestApp();
  alerts = new OfficerAlerts(t.pool);
});
afterAll(async () => {
  await t.close();
});

async function notification(id: string) {
  const { rows } = await t.pool.query<{ kind: string; audience: string; request_id: string | null; subject: string; details: unknown }>(
    'SELECT kind, audience, request_id, subject, details FROM notifications WHERE id = $1',
    [id],
  );
  return rows;
}

describe("the officers' alerts outbox", () => {
  it("words an alert from the request's view: country, priority, title, and its state in the details", async () => {
    const partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
    const filed = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${partner}` }, payload: incidentBody({ title: 'Ransomware "Locky" on customs' }) });
    expect(filed.statusCode).toBe(201);
    const id: string = filed.json().id;
    // Triage's own urgent alert, recorded by the incident-response job.
    const [urgent] = await eventually(async () => {
      const rows = await notification(`${id}-urgent`);
      return rows.length === 1 ? rows : undefined;
    });
    const { rows: views } = await t.pool.query<{ priority: number; status: string }>('SELECT priority, status FROM aid_request_views WHERE id = $1', [id]);
    const { priority } = views[0]!;
    expect(urgent).toEqual({
      kind: 'urgent_incident',
      audience: 'officers',
      request_id: id,
      subject: `Urgent: incident response requested: CR, priority ${priority}, "Ransomware "Locky" on customs"`,
      details: { priority, status: views[0]!.status, slaBreaches: [] },
    });

    // Recorded once per id: a repeat changes nothing.
    await alerts.record({ alertId: `${id}-urgent`, kind: 'sla_breached', requestId: id });
    expect((await notification(`${id}-urgent`))[0]?.kind).toBe('urgent_incident');
  });

  it('assessing a request that is not an incident records no alert and finds nothing', async () => {
    const partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
    const filed = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${partner}` }, payload: capacityBody() });
    const id: string = filed.json().id;
    const assessed = await new IncidentAssessmentStore(t.pool).assess({ requestId: id, alertId: `${id}-urgent` });
    expect(assessed).toBeUndefined();
    expect(await notification(`${id}-urgent`)).toEqual([]);
  });

  it('names the request by its id when it has no view', async () => {
    const requestId = '0192f0a0-1111-7000-8000-0000000000aa';
    await alerts.record({ alertId: 'alert-without-view', kind: 'sla_breached', requestId });
    expect(await notification('alert-without-view')).toEqual([
      { kind: 'sla_breached', audience: 'officers', request_id: requestId, subject: `SLA breached: request ${requestId}`, details: { priority: null, status: null, slaBreaches: [] } },
    ]);
  });
});
