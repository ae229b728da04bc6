import { eventually } from '@app/testing';
import { Queue } from 'bullmq';
import { queuePrefix } from '../../src/queues/redis-connection';
import { fiscalYearOf } from '../../src/kernel/fiscal-year';
import { Workflow } from '../support/officer-flow';
import { WebhookReceiver } from '../support/webhook-receiver';
import { capacityBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * The reporting schedule's durable timers, in real time: REPORTING_INTERVAL is two seconds, so a
 * capacity grant's first report falls due two seconds after approval. The timer (a delayed job on
 * the sla queue) records ReportOverdue and the alert goes to the officers' outbox; a late report
 * then covers the oldest date not yet received, and the next timers keep following the schedule.
 */

let t: TestApp;
let w: Workflow;
let hook: WebhookReceiver;

beforeAll(async () => {
  t = await createTestApp({ clock: 'system', env: { REPORTING_INTERVAL: 'PT2S', SLA_SWEEP_INTERVAL_MS: '500', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
  w = await Workflow.create(t);
  hook = await WebhookReceiver.start();
  const registered = await w.post(w.tokens.admin, '/v1/webhooks', { url: hook.url, scope: 'fund', events: ['alert.report_overdue'] });
  expect(registered.statusCode).toBe(201);
  const fiscalYear = fiscalYearOf(new Date(), t.config.fiscalYearStartMonth);
  await w.allocate(fiscalYear, 'capacity_building', 10_000_000);
});
afterAll(async () => {
  await t.close();
  await hook.close();
});

interface ReportDue {
  dueAt: string;
  status: string;
}

describe('report due dates', () => {
  it('a missed due date records ReportOverdue and raises alert.report_overdue; a late report covers it', async () => {
    const id = await w.underReview(capacityBody({}, { durationMonths: 1 }));
    const approved = (await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 3_000_000 })).json();
    const firstDue = new Date(Date.parse(approved.updatedAt) + 2000).toISOString();
    expect(approved.reportsDue).toEqual([{ dueAt: firstDue, status: 'due' }]);

    const overdue = await eventually(async () => {
      const view = await w.view(id);
      return view.reportsDue.some((r: ReportDue) => r.status === 'overdue') ? view : undefined;
    }, { timeoutMs: 15_000 });
    expect(overdue.reportsDue[0]).toEqual({ dueAt: firstDue, status: 'overdue' });
    // The next date shows as due once the one before it has passed.
    expect(overdue.reportsDue.at(-1).status).toBe('due');

    const { rows } = await t.pool.query<{ data: { dueAt: string; detectedAt: string } }>(
      "SELECT data FROM events WHERE stream_id = $1 AND event_type = 'ReportOverdue' ORDER BY stream_version",
      [`aid-request-${id}`],
    );
    expect(rows[0]!.data.dueAt).toBe(firstDue);
    expect(Date.parse(rows[0]!.data.detectedAt)).toBeGreaterThanOrEqual(Date.parse(firstDue));
    // One ReportOverdue per due date, never two for the same one.
    expect(new Set(rows.map((r) => r.data.dueAt)).size).toBe(rows.length);

    const alert = await eventually(async () => {
      const result = await t.pool.query<{ subject: string }>("SELECT subject FROM notifications WHERE request_id = $1 AND kind = 'report_overdue'", [id]);
      return result.rows[0];
    });
    expect(alert.subject).toContain('Progress report overdue');

    // The same alert reaches the fund's webhook endpoints.
    await eventually(() => hook.ofType('alert.report_overdue').some((m) => m.json.data.requestId === id) || undefined);
    expect(hook.ofType('alert.report_overdue')[0]!.json.data).toMatchObject({ requestId: id, country: 'CR', eventType: 'ReportOverdue', status: 'approved' });

    const reported = (await w.post(w.tokens.partner, `/v1/aid-requests/${id}/reports`, { summary: 'Late, but here.' })).json();
    expect(reported.reportsDue[0]).toEqual({ dueAt: firstDue, status: 'received' });

    // The timers keep following the schedule: a second due date is missed too.
    await eventually(async () => {
      const view = await w.view(id);
      return view.reportsDue.filter((r: ReportDue) => r.status === 'overdue').length >= 1 && view.reportsDue.length >= 3 ? view : undefined;
    }, { timeoutMs: 15_000 });
  }, 40_000);

  it('a timer lost from Redis is made up by the sla sweep: the missed date is still recorded', async () => {
    const id = await w.underReview(capacityBody({}, { durationMonths: 1 }));
    const approved = (await w.post(w.tokens.officer, `/v1/aid-requests/${id}/approve`, { amountApproved: 3_000_000 })).json();
    const firstDue = Date.parse(approved.updatedAt) + 2000;
    const sla = new Queue('sla', { connection: { url: t.config.redisUrl }, prefix: queuePrefix(t.config.queuePrefix) });
    try {
      // The relay sets the first timer, with the request and the date as its id; remove it.
      const job = await eventually(async () => sla.getJob(`report-${id}-${firstDue}`));
      await job.remove();
      expect(await sla.getJob(`report-${id}-${firstDue}`)).toBeUndefined();
    } finally {
      await sla.close();
    }
    const overdue = await eventually(async () => {
      const view = await w.view(id);
      return view.reportsDue[0]?.status === 'overdue' ? view : undefined;
    }, { timeoutMs: 15_000 });
    expect(overdue.reportsDue[0].dueAt).toBe(new Date(firstDue).toISOString());
  }, 30_000);
});
