import { eventually } from '@app/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { Workflow } from '../support/officer-flow';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let w: Workflow;

beforeAll(async () => {
  // Real time: priority 2 must be acknowledged within 1 s and decided within 3 s.
  t = await createTestApp({ clock: 'system', env: { SLA_PRIORITY_2: 'PT1S/PT3S', SLA_SWEEP_INTERVAL_MS: '500' } });
  w = await Workflow.create(t);
});
afterAll(async () => {
  await t.close();
});

describe('the decide clock during an information request', () => {
  it('stands still while the fund waits for the partner, then runs on from the moved deadline', async () => {
    const detectedAt = new Date(Date.now() - 60_000).toISOString();
    const id = await w.underReview(incidentBody({}, { severity: 'high', sectors: [], detectedAt }));
    const asked = await w.post(w.tokens.officer, `/v1/aid-requests/${id}/information-requests`, { question: 'Scope?' });
    expect(asked.statusCode).toBe(200);
    const originalDecideBy = Date.parse(asked.json().decideBy);

    // Wait well past the original deadline: no decide breach while paused.
    await sleep(Math.max(0, originalDecideBy - Date.now()) + 1_500);
    expect((await w.view(id)).slaBreaches).not.toContain('decide');

    const answered = await w.post(w.tokens.partner, `/v1/aid-requests/${id}/information`, { answer: 'Two ministries.' });
    expect(answered.statusCode).toBe(200);
    const movedDecideBy = Date.parse(answered.json().decideBy);
    expect(movedDecideBy).toBeGreaterThan(originalDecideBy + 1_500);
    expect(Date.now()).toBeLessThan(movedDecideBy);

    const breached = await eventually(async () => {
      const view = await w.view(id);
      return view.slaBreaches.includes('decide') ? view : undefined;
    });
    const { rows } = await t.pool.query<{ data: { dueAt: string; detectedAt: string } }>(
      "SELECT data FROM events WHERE stream_id = $1 AND event_type = 'SlaBreached' AND data->>'deadline' = 'decide'",
      [`aid-request-${id}`],
    );
    expect(rows).toHaveLength(1);
    expect(Date.parse(rows[0]!.data.dueAt)).toBe(movedDecideBy);
    expect(Date.parse(rows[0]!.data.detectedAt)).toBeGreaterThanOrEqual(movedDecideBy);
    expect(breached.decideBy).toBe(answered.json().decideBy);
  }, 30_000);
});
