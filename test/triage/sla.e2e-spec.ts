import { eventually } from '@app/testing';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let partner: string;
let officer: string;

beforeAll(async () => {
  // Real time and seconds-long deadlines, so that the delayed timers really fire.
  t = await createTestApp({
    clock: 'system',
    env: { SLA_PRIORITY_1: 'PT2S/PT4S', SLA_PRIORITY_2: 'PT2S/PT4S', SLA_SWEEP_INTERVAL_MS: '500' },
  });
  partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  officer = await t.token('officer', { sub: 'officer-ana' });
});
afterAll(async () => {
  await t.close();
});

async function file(body: unknown): Promise<string> {
  const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${partner}` }, payload: body });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

async function view(id: string) {
  return (await t.request({ method: 'GET', url: `/v1/aid-requests/${id}`, headers: { authorization: `Bearer ${officer}` } })).json();
}

function detectedNow(): string {
  return new Date(Date.now() - 60_000).toISOString();
}

describe('SLA clocks', () => {
  it('breaches a missed acknowledge deadline, raises the priority one step and alerts; then the decide deadline', async () => {
    const id = await file(incidentBody({}, { severity: 'high', sectors: ['other'], detectedAt: detectedNow() }));
    const triaged = await eventually(async () => {
      const v = await view(id);
      return v.status === 'triaged' ? v : undefined;
    });
    expect(triaged.priority).toBe(2);
    const acknowledged = await eventually(async () => {
      const v = await view(id);
      return v.slaBreaches.includes('acknowledge') ? v : undefined;
    });
    expect(acknowledged.priority).toBe(1);
    // The deadlines stay as they were.
    expect(acknowledged.acknowledgeBy).toBe(triaged.acknowledgeBy);
    expect(acknowledged.decideBy).toBe(triaged.decideBy);
    const decided = await eventually(async () => {
      const v = await view(id);
      return v.slaBreaches.includes('decide') ? v : undefined;
    });
    expect(decided.slaBreaches).toEqual(['acknowledge', 'decide']);
    expect(decided.priority).toBe(1);

    const { rows } = await t.pool.query<{ event_type: string; data: { deadline: string; dueAt: string; detectedAt: string } }>(
      "SELECT event_type, data FROM events WHERE stream_id = $1 AND event_type = 'SlaBreached' ORDER BY stream_version",
      [`aid-request-${id}`],
    );
    expect(rows.map((r) => r.data.deadline)).toEqual(['acknowledge', 'decide']);
    for (const row of rows) expect(Date.parse(row.data.detectedAt)).toBeGreaterThanOrEqual(Date.parse(row.data.dueAt));
    const alerts = await eventually(async () => {
      const result = await t.pool.query("SELECT 1 FROM notifications WHERE request_id = $1 AND kind = 'sla_breached'", [id]);
      return result.rows.length === 2 ? result.rows : undefined;
    });
    expect(alerts).toHaveLength(2);
  });

  it('counts a claim before the deadline as acknowledged: only the decide deadline is breached', async () => {
    const id = await file(incidentBody({}, { detectedAt: detectedNow() }));
    const triaged = await eventually(async () => {
      const v = await view(id);
      return v.status === 'triaged' ? v : undefined;
    });
    const claim = await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/claim`, headers: { authorization: `Bearer ${officer}` } });
    expect(claim.statusCode).toBe(200);
    expect(Date.parse(claim.json().acknowledgedAt)).toBeLessThanOrEqual(Date.parse(triaged.acknowledgeBy));
    const breached = await eventually(async () => {
      const v = await view(id);
      return v.slaBreaches.length > 0 ? v : undefined;
    });
    expect(breached.slaBreaches).toEqual(['decide']);
    // Past the acknowledge deadline and the sweeps since: still no acknowledge breach.
    expect(Date.now()).toBeGreaterThan(Date.parse(triaged.acknowledgeBy));
    expect((await view(id)).slaBreaches).toEqual(['decide']);
  });

  it('needs no job in Redis: the sweep finds the passed deadlines in the database and breaches each exactly once', async () => {
    const id = await file(incidentBody({}, { detectedAt: detectedNow() }));
    await eventually(async () => (await view(id)).status === 'triaged');
    const sla = await import('bullmq').then(({ Queue }) => new Queue('sla', { connection: { url: t.config.redisUrl }, prefix: `{${t.config.queuePrefix}}` }));
    try {
      const jobs = await sla.getJobs(['delayed', 'waiting', 'prioritized']);
      expect(jobs.filter((job) => (job.data as { requestId?: string }).requestId === id)).toEqual([]);
    } finally {
      await sla.close();
    }
    const breached = await eventually(async () => {
      const v = await view(id);
      return v.slaBreaches.length === 2 ? v : undefined;
    });
    expect(breached.slaBreaches).toEqual(['acknowledge', 'decide']);
    // Later sweeps find nothing more to do.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const { rows } = await t.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE stream_id = $1 AND event_type = 'SlaBreached'",
      [`aid-request-${id}`],
    );
    expect(rows[0]!.n).toBe(2);
  });
});
