import { eventually } from '@app/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebhookDeliveryStore } from '../../src/notifications/webhooks/webhook-delivery.store';
import { signatureHeader } from '../../src/notifications/delivery/webhook-signature';
import { messageId } from '../../src/notifications/fan-out/notification-messages';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';
import { signatureMatches, WebhookReceiver } from '../support/webhook-receiver';

let t: TestApp;
let cr: string;
let vn: string;
let admin: string;
const receivers: WebhookReceiver[] = [];

const ENV = {
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: 'PT0.2S,PT0.2S,PT0.2S',
  WEBHOOK_TIMEOUT_MS: '2000',
};

beforeAll(async () => {
  t = await createTestApp({ clock: 'system', env: ENV });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  vn = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
  admin = await t.token('admin', { sub: 'fund-manager' });
});
/**
 * Each test starts once the fan-out has handled every event so far, so that a late message about
 * an earlier test's request never reaches this test's new endpoints.
 */
beforeEach(async () => {
  await eventually(async () => {
    const { rows } = await t.pool.query<{ behind: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM events e, consumer_checkpoints c
         WHERE c.consumer = 'notifications' AND (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)) AS behind`,
    );
    const { rows: started } = await t.pool.query(`SELECT 1 FROM consumer_checkpoints WHERE consumer = 'notifications'`);
    const { rows: anyEvent } = await t.pool.query(`SELECT 1 FROM events LIMIT 1`);
    return anyEvent.length === 0 || (started.length === 1 && rows[0]?.behind === false);
  }, { timeoutMs: 20_000 });
});
afterAll(async () => {
  await t.close();
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start();
  receivers.push(started);
  return started;
}

function call(app: TestApp, method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: unknown) {
  return app.request({ method, url, headers: { authorization: `Bearer ${token}` }, payload });
}

async function register(token: string, body: Record<string, unknown>, app = t): Promise<{ id: string; secret: string }> {
  const response = await call(app, 'POST', '/v1/webhooks', token, body);
  if (response.statusCode !== 201) throw new Error(`registration failed: ${response.body}`);
  return response.json();
}

async function file(token: string, body: unknown = incidentBody({}, { detectedAt: new Date(Date.now() - 60_000).toISOString() })): Promise<string> {
  const response = await call(t, 'POST', '/v1/aid-requests', token, body);
  if (response.statusCode !== 201) throw new Error(`filing failed: ${response.body}`);
  return response.json().id;
}

async function deliveries(endpointId: string, token = admin, app = t) {
  return (await call(app, 'GET', `/v1/webhooks/${endpointId}/deliveries`, token)).json().items as Array<Record<string, unknown>>;
}

describe('Standard Webhooks signature', () => {
  it('matches the specification’s published example', () => {
    expect(signatureHeader(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });
});

describe('webhook delivery', () => {
  it('delivers a partner’s request messages, signed, with exactly the contract’s fields and no title', async () => {
    const hook = await receiver();
    const endpoint = await register(cr, { url: hook.url, events: ['aid_request.filed', 'aid_request.triaged'] });
    const requestId = await file(cr);
    const [filed, triaged] = await eventually(() => {
      const f = hook.messages.find((m) => m.json.type === 'aid_request.filed' && m.json.data.requestId === requestId);
      const tr = hook.messages.find((m) => m.json.type === 'aid_request.triaged' && m.json.data.requestId === requestId);
      return f && tr ? [f, tr] : undefined;
    });
    for (const message of [filed, triaged]) {
      expect(signatureMatches(endpoint.secret, message)).toBe(true);
      expect(signatureMatches('whsec_' + Buffer.alloc(32, 7).toString('base64'), message)).toBe(false);
      expect(message.headers['content-type']).toBe('application/json');
      expect(message.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(Math.abs(Number(message.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
      expect(Object.keys(message.json).sort()).toEqual(['data', 'timestamp', 'type']);
      expect(Object.keys(message.json.data).sort()).toEqual(['country', 'eventType', 'kind', 'position', 'priority', 'requestId', 'status', 'track', 'version']);
    }
    expect(filed.json.data).toMatchObject({ requestId, country: 'CR', kind: 'incident_response', status: 'submitted', track: null, priority: null, version: 1, eventType: 'AidRequestFiled' });
    expect(triaged.json.data).toMatchObject({ status: 'triaged', track: 'rapid_response', priority: 1, version: 2, eventType: 'AidRequestTriaged' });
    expect(Number(triaged.json.data.position)).toBeGreaterThan(Number(filed.json.data.position));
    expect(filed.body).not.toContain('Ransomware');
    expect(filed.body).not.toContain('encrypted');
    const log = await eventually(async () => {
      const items = await deliveries(endpoint.id, cr);
      return items.length === 2 && items.every((d) => d.status === 'delivered') ? items : undefined;
    });
    expect(log[0]).toMatchObject({ type: 'aid_request.triaged', requestId, status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(log.map((d) => d.id)).toEqual([triaged.headers['webhook-id'], filed.headers['webhook-id']]);
    await call(t, 'DELETE', `/v1/webhooks/${endpoint.id}`, cr);
  });

  it('messages recorded together are listed newest first in the order they were given (the log’s)', async () => {
    const store = t.app.get(WebhookDeliveryStore);
    const endpointId = randomUUID();
    const given = Array.from({ length: 20 }, (_, i) => ({
      id: `msg_${randomUUID().replaceAll('-', '')}`,
      endpointId,
      eventId: randomUUID(),
      type: i % 2 === 0 ? 'aid_request.filed' : 'aid_request.triaged',
      requestId: null,
      position: 1_000 + i,
      body: '{}',
    }));
    await store.insert(given);
    const listed = await store.list(endpointId, undefined, 100, undefined);
    expect(listed.map(({ view }) => view.position)).toEqual(given.map((d) => d.position).reverse());
    // The pages follow the same order.
    const firstPage = await store.list(endpointId, undefined, 7, undefined);
    const secondPage = await store.list(endpointId, undefined, 7, firstPage.at(-1)!.position);
    expect([...firstPage, ...secondPage].map(({ view }) => view.id)).toEqual(listed.slice(0, 14).map(({ view }) => view.id));
  });

  it('follows the endpoints as they change: nothing more for a deleted one, everything after its registration for a new one', async () => {
    const before = await receiver();
    const gone = await register(cr, { url: before.url, events: ['aid_request.filed'] });
    const first = await file(cr);
    await eventually(() => before.messages.some((m) => m.json.data.requestId === first));
    expect((await call(t, 'DELETE', `/v1/webhooks/${gone.id}`, cr)).statusCode).toBe(204);
    const after = await receiver();
    const added = await register(cr, { url: after.url, events: ['aid_request.filed'] });
    const second = await file(cr);

    await eventually(() => after.messages.some((m) => m.json.data.requestId === second));
    expect(after.messages.map((m) => m.json.data.requestId)).toEqual([second]);
    // Everything up to the second filing has been fanned out: the deleted endpoint got nothing of it.
    expect(before.messages.map((m) => m.json.data.requestId)).toEqual([first]);
    await call(t, 'DELETE', `/v1/webhooks/${added.id}`, cr);
  });

  it('retries after 500s with the same webhook-id, on the configured schedule', async () => {
    const hook = await receiver();
    hook.respond = (_, count) => ({ status: count <= 2 ? 500 : 204 });
    const endpoint = await register(cr, { url: hook.url, events: ['aid_request.filed'] });
    await file(cr);
    await eventually(() => hook.messages.length >= 3);
    const ids = new Set(hook.messages.map((m) => m.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(hook.messages.every((m) => signatureMatches(endpoint.secret, m))).toBe(true);
    const [delivery] = await eventually(async () => {
      const items = await deliveries(endpoint.id);
      return items[0]?.status === 'delivered' ? items : undefined;
    });
    expect(delivery).toMatchObject({ attempts: 3, lastStatusCode: 204, lastError: null });
    const attempts = await t.pool.query(`SELECT attempt, outcome, status_code FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`, [delivery!.id]);
    expect(attempts.rows).toEqual([
      { attempt: 1, outcome: 'retrying', status_code: 500 },
      { attempt: 2, outcome: 'retrying', status_code: 500 },
      { attempt: 3, outcome: 'delivered', status_code: 204 },
    ]);
    const metrics = (await t.request({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/cdt_notification_attempts_total\{channel="webhook",outcome="retrying"\} [1-9]/);
    expect(metrics).toMatch(/cdt_notification_attempts_total\{channel="webhook",outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/cdt_notification_attempt_seconds_bucket\{le="0.25",channel="webhook",outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/cdt_webhook_deliveries\{status="pending"\} \d+/);
    await call(t, 'DELETE', `/v1/webhooks/${endpoint.id}`, cr);
  });

  it('reaches a receiver that was down, once it is up', async () => {
    const hook = await receiver();
    const port = hook.port;
    const endpoint = await register(cr, { url: hook.url, events: ['aid_request.filed'] });
    await hook.close();
    await file(cr);
    const failedOnce = await eventually(async () => {
      const items = await deliveries(endpoint.id);
      return items[0] && Number(items[0].attempts) >= 1 ? items[0] : undefined;
    });
    expect(failedOnce.lastError).toMatch(/ECONNREFUSED/);
    await hook.listen(port);
    await eventually(() => hook.messages.length === 1);
    await eventually(async () => (await deliveries(endpoint.id))[0]?.status === 'delivered');
    await call(t, 'DELETE', `/v1/webhooks/${endpoint.id}`, cr);
  });

  it('does not follow a redirect: the 302 is a failed attempt, and after the last retry the delivery fails into dead_letters', async () => {
    const hook = await receiver();
    hook.respond = (message) => (message.path === '/hooks' ? { status: 302, headers: { location: `http://127.0.0.1:${hook.port}/elsewhere` } } : { status: 200 });
    const endpoint = await register(cr, { url: hook.url, events: ['aid_request.filed'] });
    await file(cr);
    const delivery = await eventually(async () => {
      const items = await deliveries(endpoint.id);
      return items[0]?.status === 'failed' ? items[0] : undefined;
    });
    expect(delivery).toMatchObject({ attempts: 4, lastStatusCode: 302 });
    expect(String(delivery.lastError)).toContain('redirects are not followed');
    expect(hook.messages.every((m) => m.path === '/hooks')).toBe(true);
    const dead = await eventually(async () => (await t.pool.query(`SELECT queue, attempts FROM dead_letters WHERE job_id = $1`, [`${String(delivery.id)}-0`])).rows[0]);
    expect(dead).toEqual({ queue: 'webhooks', attempts: 4 });
    const failedLog = (await call(t, 'GET', `/v1/webhooks/${endpoint.id}/deliveries?status=failed`, cr)).json().items;
    expect(failedLog.map((d: { id: string }) => d.id)).toEqual([delivery.id]);
    expect((await call(t, 'GET', `/v1/webhooks/${endpoint.id}/deliveries?status=delivered`, cr)).json().items).toEqual([]);
    await call(t, 'DELETE', `/v1/webhooks/${endpoint.id}`, cr);
  });

  it('gives up on an attempt that gets no answer within WEBHOOK_TIMEOUT_MS', async () => {
    // A receiver that accepts the connection and never answers.
    const hanging = await new Promise<Server>((resolve) => {
      const server = createServer(() => undefined);
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    try {
      const port = (hanging.address() as AddressInfo).port;
      const endpoint = await register(cr, { url: `http://127.0.0.1:${port}/hooks`, events: ['aid_request.filed'] });
      await file(cr);
      const delivery = await eventually(async () => {
        const items = await deliveries(endpoint.id);
        return items[0] && Number(items[0].attempts) >= 1 ? items[0] : undefined;
      }, { timeoutMs: 15_000 });
      expect(delivery.lastStatusCode).toBeNull();
      expect(String(delivery.lastError)).toContain('no answer within 2000 ms');
      await call(t, 'DELETE', `/v1/webhooks/${endpoint.id}`, cr);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('disables an endpoint that answers 410 Gone; nothing more is sent to it', async () => {
    const hook = await receiver();
    hook.respond = () => ({ status: 410 });
    const endpoint = await register(cr, { url: hook.url, events: ['aid_request.filed'] });
    await file(cr);
    await eventually(async () => (await call(t, 'GET', `/v1/webhooks/${endpoint.id}`, cr)).json().status === 'disabled');
    expect(hook.messages).toHaveLength(1);
    const [delivery] = await deliveries(endpoint.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    const events = await t.pool.query(`SELECT event_type, metadata->'actor'->>'sub' AS sub FROM events WHERE stream_id = $1 ORDER BY stream_version`, [`webhook-endpoint-${endpoint.id}`]);
    expect(events.rows.map((row) => row.event_type)).toEqual(['WebhookEndpointRegistered', 'WebhookEndpointDisabled']);
    await file(cr);
    await sleep(700);
    expect(hook.messages).toHaveLength(1);
    expect((await call(t, 'POST', `/v1/webhooks/${endpoint.id}/test`, cr)).statusCode).toBe(409);
  });

  it('sends nothing more to a deleted endpoint, pending retries included', async () => {
    const hook = await receiver();
    hook.respond = () => ({ status: 503 });
    const endpoint = await register(cr, { url: hook.url, events: ['aid_request.filed'] });
    await file(cr);
    await eventually(() => hook.messages.length >= 1);
    expect((await call(t, 'DELETE', `/v1/webhooks/${endpoint.id}`, cr)).statusCode).toBe(204);
    const countAtDeletion = hook.messages.length;
    await file(cr);
    const rows = await eventually(async () => {
      const { rows: found } = await t.pool.query(`SELECT status, last_error FROM webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id]);
      return found.length === 1 && found[0].status === 'failed' ? found : undefined;
    });
    expect(rows[0].last_error).toMatch(/deleted|answered 503/);
    await sleep(500);
    // At most an attempt already under way when the deletion committed.
    expect(hook.messages.length).toBeLessThanOrEqual(countAtDeletion + 1);
  });

  it('keeps countries apart, sends alerts to fund endpoints only, and honours each event filter', async () => {
    const crHook = await receiver();
    const vnHook = await receiver();
    const fundHook = await receiver();
    const filteredHook = await receiver();
    const crEndpoint = await register(cr, { url: crHook.url });
    const vnEndpoint = await register(vn, { url: vnHook.url });
    const fundEndpoint = await register(admin, { url: fundHook.url, scope: 'fund', events: ['alert.urgent_incident', 'aid_request.filed'] });
    const filtered = await register(cr, { url: filteredHook.url, events: ['aid_request.triaged'] });
    const crRequest = await file(cr);
    const vnRequest = await file(vn, capacityBody());
    const about = (hook: WebhookReceiver, type: string, requestId: string) => hook.ofType(type).filter((m) => m.json.data.requestId === requestId);
    await eventually(() => about(fundHook, 'alert.urgent_incident', crRequest).length === 1 && about(fundHook, 'aid_request.filed', crRequest).length === 1 && about(fundHook, 'aid_request.filed', vnRequest).length === 1);
    await eventually(() => about(crHook, 'aid_request.triaged', crRequest).length === 1 && about(vnHook, 'aid_request.triaged', vnRequest).length === 1);
    await eventually(() => about(filteredHook, 'aid_request.triaged', crRequest).length === 1);
    await sleep(300);
    expect(crHook.messages.every((m) => m.json.data.requestId !== vnRequest)).toBe(true);
    expect(vnHook.messages.every((m) => m.json.data.requestId === vnRequest)).toBe(true);
    expect(crHook.messages.some((m) => m.json.type.startsWith('alert.'))).toBe(false);
    expect(fundHook.ofType('alert.urgent_incident')[0]!.json.data).toMatchObject({ requestId: crRequest, country: 'CR', priority: 1, track: 'rapid_response', eventType: 'AidRequestTriaged' });
    expect(signatureMatches(fundEndpoint.secret, fundHook.messages[0]!)).toBe(true);
    expect(filteredHook.messages.map((m) => m.json.type)).toEqual(['aid_request.triaged']);
    // One event, two messages to the fund endpoint: each its own webhook-id.
    const fundIds = fundHook.messages.map((m) => m.headers['webhook-id']);
    expect(new Set(fundIds).size).toBe(fundIds.length);
    for (const [endpoint, token] of [[crEndpoint, cr], [vnEndpoint, vn], [fundEndpoint, admin], [filtered, cr]] as const) {
      await call(t, 'DELETE', `/v1/webhooks/${endpoint.id}`, token);
    }
  });
});

describe('address check at connect time', () => {
  it('refuses, on the address connected to, a host name that resolves to 127.0.0.1 and is not allow-listed', async () => {
    // The API allow-lists localhost, so registration accepts it; the worker does not, so delivery
    // must catch it when it connects (as it would a DNS answer that changed after registration).
    const api = await createTestApp({ clock: 'system', env: { ...ENV, APP_ROLE: 'api', WEBHOOK_ALLOWED_HOSTS: 'localhost' } });
    const worker = await createTestApp({ clock: 'system', database: api.db, env: { ...ENV, APP_ROLE: 'worker', WEBHOOK_ALLOWED_HOSTS: '' } });
    try {
      const hook = await receiver();
      const partner = await api.token('partner', { country: 'CR', sub: 'cr-csirt' });
      const endpoint = await register(partner, { url: `http://localhost:${hook.port}/hooks`, events: ['aid_request.filed'] }, api);
      const filed = await call(api, 'POST', '/v1/aid-requests', partner, incidentBody());
      expect(filed.statusCode).toBe(201);
      const delivery = await eventually(async () => {
        const items = await deliveries(endpoint.id, partner, api);
        return items[0]?.status === 'failed' ? items[0] : undefined;
      });
      expect(String(delivery.lastError)).toMatch(/127\.0\.0\.1|::1/);
      expect(String(delivery.lastError)).toMatch(/not allowed/);
      expect(delivery.lastStatusCode).toBeNull();
      expect(hook.messages).toHaveLength(0);
    } finally {
      await worker.close();
      await api.close();
    }
  });
});

describe('a fan-out stopped mid-way', () => {
  it('loses no message and mints no new id when the worker dies mid-fan-out and another replays the log', async () => {
    const api = await createTestApp({ clock: 'system', env: { ...ENV, APP_ROLE: 'api' } });
    // Both workers share one queue prefix, as the processes of one deployment do.
    const workerEnv = { ...ENV, APP_ROLE: 'worker', QUEUE_PREFIX: `test-restart-${process.pid}` };
    let worker = await createTestApp({ clock: 'system', database: api.db, env: workerEnv });
    try {
      const hook = await receiver();
      const partner = await api.token('partner', { country: 'CR', sub: 'cr-csirt' });
      const endpoint = await register(partner, { url: hook.url, events: ['aid_request.filed'] }, api);
      const filings = await Promise.all(Array.from({ length: 30 }, () => call(api, 'POST', '/v1/aid-requests', partner, capacityBody())));
      expect(filings.every((response) => response.statusCode === 201)).toBe(true);
      // Stop the worker as soon as the fan-out has started recording messages.
      await eventually(async () => Number((await api.pool.query(`SELECT count(*) AS n FROM webhook_deliveries`)).rows[0].n) > 0, { intervalMs: 2 });
      // The process stops; Redis keeps its queues.
      await worker.app.close();
      await worker.pool.end();
      worker = await createTestApp({ clock: 'system', database: api.db, env: workerEnv });
      const { rows: filed } = await api.pool.query<{ event_id: string }>(`SELECT event_id FROM events WHERE event_type = 'AidRequestFiled'`);
      const expected = new Set(filed.map((row) => messageId(row.event_id, endpoint.id, 'aid_request.filed')));
      expect(expected.size).toBe(30);
      await eventually(() => new Set(hook.messages.map((m) => m.headers['webhook-id'])).size === 30, { timeoutMs: 20_000 });
      // Replaying the whole log again adds nothing: the same ids, already delivered.
      await api.pool.query(`UPDATE consumer_checkpoints SET transaction_id = '0', global_position = 0 WHERE consumer = 'notifications'`);
      await sleep(1_000);
      const received = new Set(hook.messages.map((m) => String(m.headers['webhook-id'])));
      expect(received).toEqual(expected);
      const { rows } = await api.pool.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'delivered')::int AS delivered FROM webhook_deliveries`);
      expect(rows[0]).toEqual({ n: 30, delivered: 30 });
    } finally {
      await worker.close();
      await api.close();
    }
  });
});
