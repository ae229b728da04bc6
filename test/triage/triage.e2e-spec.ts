import { eventually } from '@app/testing';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let cr: string;
let officer: string;

beforeAll(async () => {
  // Filed 2026-11-28T10:00Z by the test clock; the worker runs in the same process.
  t = await createTestApp();
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  officer = await t.token('officer', { sub: 'officer-ana' });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.clock.set('2026-11-28T10:00:00Z');
});

async function file(body: unknown, token = cr): Promise<string> {
  const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${token}` }, payload: body });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

async function view(id: string) {
  return (await t.request({ method: 'GET', url: `/v1/aid-requests/${id}`, headers: { authorization: `Bearer ${officer}` } })).json();
}

async function triaged(id: string) {
  return eventually(async () => {
    const v = await view(id);
    return v.status === 'triaged' ? v : undefined;
  });
}

async function eventTypes(id: string): Promise<string[]> {
  const { rows } = await t.pool.query<{ event_type: string }>(
    'SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version',
    [`aid-request-${id}`],
  );
  return rows.map((r) => r.event_type);
}

describe('automatic triage', () => {
  it('sends an ongoing critical incident on critical infrastructure to rapid response, priority 1, with reasons and deadlines', async () => {
    const id = await file(incidentBody());
    const v = await triaged(id);
    expect(v).toMatchObject({ track: 'rapid_response', priority: 1, acknowledgeBy: '2026-11-28T11:00:00.000Z', decideBy: '2026-11-29T10:00:00.000Z' });
    expect(v.triageReasons).toEqual(expect.arrayContaining([expect.stringMatching(/severity critical/), expect.stringMatching(/acknowledge within 1 h, decide within 24 h/)]));
    expect((await eventTypes(id)).filter((type) => type === 'AidRequestTriaged')).toHaveLength(1);
  });

  it('raises an ongoing high-severity incident on critical infrastructure from 2 to 1', async () => {
    const v = await triaged(await file(incidentBody({}, { severity: 'high', sectors: ['energy'] })));
    expect(v).toMatchObject({ track: 'rapid_response', priority: 1 });
    expect(v.triageReasons.join(' ')).toMatch(/raised from 2 to 1/);
  });

  it('keeps a high-severity incident at 2 when only "other" systems are hit', async () => {
    const v = await triaged(await file(incidentBody({}, { severity: 'high', sectors: ['other'] })));
    expect(v).toMatchObject({ track: 'rapid_response', priority: 2, acknowledgeBy: '2026-11-28T14:00:00.000Z' });
  });

  it('sends a low-severity incident that is over to capacity building, priority 4', async () => {
    const v = await triaged(await file(incidentBody({}, { severity: 'low', ongoing: false, sectors: [] })));
    expect(v).toMatchObject({ track: 'capacity_building', priority: 4 });
  });

  it('triages capacity building: 4 with critical infrastructure, 5 otherwise', async () => {
    expect(await triaged(await file(capacityBody()))).toMatchObject({ track: 'capacity_building', priority: 4 });
    const plain = await triaged(await file(capacityBody({ actionArea: 'data_governance' }, { sectors: [] })));
    expect(plain).toMatchObject({ track: 'capacity_building', priority: 5, decideBy: '2027-02-26T10:00:00.000Z' });
  });
});

describe('rapid-response automation', () => {
  it('flags an open incident of the same country detected within 72 h as a possible duplicate, and alerts officers', async () => {
    const vn = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
    const first = await file(incidentBody({}, { detectedAt: '2026-11-26T08:00:00Z' }), vn);
    await eventually(async () => (await view(first)).status === 'triaged');
    const elsewhere = await file(incidentBody({}, { detectedAt: '2026-11-26T09:00:00Z' }));
    const longBefore = await file(incidentBody({}, { detectedAt: '2026-11-20T08:00:00Z' }), vn);
    const second = await file(incidentBody({}, { detectedAt: '2026-11-27T20:00:00Z' }), vn);

    const flagged = await eventually(async () => {
      const v = await view(second);
      return v.possibleDuplicates.length > 0 ? v : undefined;
    });
    expect(flagged.possibleDuplicates.map((d: { requestId: string }) => d.requestId)).toEqual([first]);
    expect(flagged.possibleDuplicates[0].reason).toMatch(/VN/);
    expect((await view(elsewhere)).possibleDuplicates.map((d: { requestId: string }) => d.requestId)).not.toContain(first);
    await eventually(async () => (await view(longBefore)).status === 'triaged');

    const alerts = await eventually(async () => {
      const { rows } = await t.pool.query<{ kind: string }>('SELECT kind FROM notifications WHERE request_id = $1 ORDER BY kind', [second]);
      return rows.length >= 2 ? rows.map((r) => r.kind) : undefined;
    });
    expect(alerts).toEqual(['possible_duplicate', 'urgent_incident']);
  });
});

describe('capacity-building automation', () => {
  it('scores a request 0–100 with its breakdown and assigns it to the next quarterly review round', async () => {
    const id = await file(capacityBody());
    const v = await eventually(async () => {
      const current = await view(id);
      return current.reviewRound !== null ? current : undefined;
    });
    expect(v.reviewRound).toBe('2027-Q1');
    expect(v.score).toBeGreaterThanOrEqual(0);
    expect(v.score).toBeLessThanOrEqual(100);
    expect(v.scoreBreakdown.map((item: { criterion: string }) => item.criterion).sort()).toEqual(
      ['action_area_alignment', 'amount_vs_window', 'duration', 'milestone_structure'],
    );
    expect(v.scoreBreakdown.reduce((sum: number, item: { points: number }) => sum + item.points, 0)).toBe(v.score);
    expect(await eventTypes(id)).toEqual(['AidRequestFiled', 'AidRequestTriaged', 'CapacityRequestScored', 'AssignedToReviewRound']);
  });
});

describe('quarterly review rounds', () => {
  it('closes a due round once, ranking its requests by score', async () => {
    const low = await file(capacityBody({ actionArea: 'data_governance' }, { sectors: [], durationMonths: 60 }));
    const high = await file(capacityBody());
    await eventually(async () => (await view(low)).reviewRound === '2027-Q1' && (await view(high)).reviewRound === '2027-Q1');
    const { Queue } = await import('bullmq');
    const queue = new Queue('capacity-grants', { connection: { url: t.config.redisUrl }, prefix: `{${t.config.queuePrefix}}` });
    try {
      // Not due yet: nothing is closed.
      await queue.add('close-review-rounds', {}, { jobId: 'close-early' });
      await eventually(async () => (await queue.getJobState('close-early')) === 'completed');
      const before = await t.pool.query("SELECT 1 FROM events WHERE stream_id = 'review-round-2027-Q1'");
      expect(before.rows).toHaveLength(0);

      t.clock.set('2027-01-01T00:00:01Z');
      await queue.add('close-review-rounds', {}, { jobId: 'close-due' });
      await queue.add('close-review-rounds', {}, { jobId: 'close-again' });
      await eventually(async () => (await queue.getJobState('close-again')) === 'completed' && (await queue.getJobState('close-due')) === 'completed');
    } finally {
      await queue.close();
    }
    const { rows } = await t.pool.query<{ event_type: string; data: { ranking: { requestId: string; score: number; rank: number }[] } }>(
      "SELECT event_type, data FROM events WHERE stream_id = 'review-round-2027-Q1' ORDER BY stream_version",
    );
    expect(rows.map((r) => r.event_type)).toEqual(['ReviewRoundClosed']);
    const ranking = rows[0]!.data.ranking;
    expect(ranking.map((entry) => entry.rank)).toEqual(ranking.map((_, i) => i + 1));
    for (let i = 1; i < ranking.length; i++) expect(ranking[i - 1]!.score).toBeGreaterThanOrEqual(ranking[i]!.score);
    const ids = ranking.map((entry) => entry.requestId);
    expect(ids.indexOf(high)).toBeLessThan(ids.indexOf(low));
  });
});

describe('capacity scoring against the fund', () => {
  it("rates the amount against what the window of the filing's fiscal year has left", async () => {
    const admin = await t.token('admin', { sub: 'fund-manager' });
    const allocation = await t.request({
      method: 'POST',
      url: '/v1/funds/2027/allocations',
      headers: { authorization: `Bearer ${admin}` },
      payload: { window: 'capacity_building', amount: 100_000_000, note: 'FY2027 capacity budget' },
    });
    expect(allocation.statusCode).toBe(201);
    const id = await file(capacityBody());
    const v = await eventually(async () => {
      const current = await view(id);
      return current.score !== null ? current : undefined;
    });
    const amountItem = v.scoreBreakdown.find((item: { criterion: string }) => item.criterion === 'amount_vs_window');
    // 3,000,000 of 100,000,000 available is 3%: the best band.
    expect(amountItem).toMatchObject({ points: 25, max: 25 });
  });
});

describe('officers', () => {
  it('claim a triaged request: under review, assigned, acknowledged in time', async () => {
    // A country with no other incidents, so that no duplicate flag moves the version meanwhile.
    const id = await file(incidentBody(), await t.token('partner', { country: 'PA', sub: 'pa-csirt' }));
    await triaged(id);
    await eventually(async () => {
      const { rows } = await t.pool.query("SELECT 1 FROM notifications WHERE request_id = $1 AND kind = 'urgent_incident'", [id]);
      return rows.length === 1;
    });
    const before = await view(id);
    t.clock.set('2026-11-28T10:30:00Z');
    const response = await t.request({
      method: 'POST',
      url: `/v1/aid-requests/${id}/claim`,
      headers: { authorization: `Bearer ${officer}`, 'if-match': `"${before.version}"` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['etag']).toBe(`"${before.version + 1}"`);
    expect(response.json()).toMatchObject({ status: 'under_review', assignedOfficer: 'officer-ana', acknowledgedAt: '2026-11-28T10:30:00.000Z' });
    const again = await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/claim`, headers: { authorization: `Bearer ${officer}` } });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toMatch(/under_review/);
  });

  it('refuse a claim with a stale If-Match (412), by a partner (403), on an unknown request (404)', async () => {
    const id = await file(incidentBody());
    await triaged(id);
    const stale = await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/claim`, headers: { authorization: `Bearer ${officer}`, 'if-match': '"1"' } });
    expect(stale.statusCode).toBe(412);
    const byPartner = await t.request({ method: 'POST', url: `/v1/aid-requests/${id}/claim`, headers: { authorization: `Bearer ${cr}` } });
    expect(byPartner.statusCode).toBe(403);
    const unknown = await t.request({
      method: 'POST',
      url: '/v1/aid-requests/01a22131-0000-7000-8000-000000000000/claim',
      headers: { authorization: `Bearer ${officer}` },
    });
    expect(unknown.statusCode).toBe(404);
    expect((await view(id)).status).toBe('triaged');
  });

  it('override the triage with a reason; the deadlines follow the new priority', async () => {
    const id = await file(capacityBody({ actionArea: 'data_governance' }, { sectors: [] }));
    await triaged(id);
    const response = await t.request({
      method: 'POST',
      url: `/v1/aid-requests/${id}/triage`,
      headers: { authorization: `Bearer ${officer}` },
      payload: { track: 'rapid_response', priority: 2, reason: 'ministry reports the training gap is being exploited now' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      track: 'rapid_response',
      priority: 2,
      acknowledgeBy: '2026-11-28T14:00:00.000Z',
      decideBy: '2026-12-01T10:00:00.000Z',
    });
    expect(response.json().triageReasons[0]).toMatch(/officer-ana .*being exploited now/);
    const invalid = await t.request({
      method: 'POST',
      url: `/v1/aid-requests/${id}/triage`,
      headers: { authorization: `Bearer ${officer}` },
      payload: { track: 'rapid_response', priority: 0, reason: 'x' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['priority', 'reason']);
  });

  it('see their queue by priority, then decide deadline, with SLA state', async () => {
    await file(capacityBody({ actionArea: 'data_governance' }, { sectors: [] }));
    await file(incidentBody({}, { severity: 'medium', ongoing: false, sectors: [] }));
    await file(incidentBody());
    await eventually(async () => {
      const { rows } = await t.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM aid_request_views WHERE status = 'submitted'");
      return rows[0]!.n === 0;
    });
    const all: { priority: number; decideBy: string; status: string; sla: { acknowledge: { state: string } } }[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/queue?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await t.request({ method: 'GET', url, headers: { authorization: `Bearer ${officer}` } })).json();
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(all.length).toBeGreaterThan(5);
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1]!, all[i]!];
      expect(a.priority < b.priority || (a.priority === b.priority && a.decideBy <= b.decideBy)).toBe(true);
    }
    expect(new Set(all.map((item) => item.status))).toEqual(new Set(['triaged', 'under_review']));
    expect(all.every((item) => ['met', 'pending', 'overdue', 'breached'].includes(item.sla.acknowledge.state))).toBe(true);
    const forbidden = await t.request({ method: 'GET', url: '/v1/queue', headers: { authorization: `Bearer ${cr}` } });
    expect(forbidden.statusCode).toBe(403);
  });
});
