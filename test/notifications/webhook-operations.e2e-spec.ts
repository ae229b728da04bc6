import { eventually } from '@app/testing';
import { Queue } from 'bullmq';
import { createHmac } from 'node:crypto';
import { createTestApp, type TestApp } from '../support/test-app';
import { signatureMatches, WebhookReceiver, type ReceivedMessage } from '../support/webhook-receiver';

let t: TestApp;
let cr: string;
let vn: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  t = await createTestApp({
    clock: 'system',
    env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: 'PT0.1S,PT0.1S', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_SECRET_OVERLAP: 'PT2S' },
  });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
  vn = await t.token('partner', { country: 'VN', sub: 'vn-cert' });
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

function call(method: 'GET' | 'POST' | 'DELETE', url: string, token = cr) {
  return t.request({ method, url, headers: { authorization: `Bearer ${token}` } });
}

async function register(url: string): Promise<{ id: string; secret: string }> {
  const response = await t.request({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${cr}` }, payload: { url, events: ['aid_request.filed'] } });
  expect(response.statusCode).toBe(201);
  return response.json();
}

function signatureBy(secret: string, message: ReceivedMessage): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${String(message.headers['webhook-id'])}.${String(message.headers['webhook-timestamp'])}.${message.body}`).digest('base64')}`;
}

describe('POST /v1/webhooks/:id/test', () => {
  it('delivers a webhook.test message now, as the delivery it names, even to an endpoint filtering it out', async () => {
    const hook = await receiver();
    const endpoint = await register(hook.url);
    const response = await call('POST', `/v1/webhooks/${endpoint.id}/test`);
    expect(response.statusCode).toBe(202);
    const { deliveryId } = response.json();
    expect(deliveryId).toMatch(/^msg_/);
    const message = await eventually(() => hook.messages[0]);
    expect(message.headers['webhook-id']).toBe(deliveryId);
    expect(message.json).toEqual({ type: 'webhook.test', timestamp: expect.any(String), data: { endpointId: endpoint.id } });
    expect(signatureMatches(endpoint.secret, message)).toBe(true);
    const log = await eventually(async () => {
      const items = (await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=delivered`)).json().items;
      return items.length === 1 ? items : undefined;
    });
    expect(log[0]).toMatchObject({ id: deliveryId, type: 'webhook.test', requestId: null, status: 'delivered', attempts: 1, lastStatusCode: 200 });
    const events = await t.pool.query(`SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version`, [`webhook-endpoint-${endpoint.id}`]);
    expect(events.rows.map((row) => row.event_type)).toEqual(['WebhookEndpointRegistered', 'WebhookTestRequested']);
  });
});

describe('POST /v1/webhooks/:id/rotate-secret', () => {
  it('signs with both secrets, the new one first, during the overlap; then with the new one only', async () => {
    const hook = await receiver();
    const endpoint = await register(hook.url);
    const rotated = (await call('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`)).json();
    expect((await call('POST', `/v1/webhooks/${endpoint.id}/test`)).statusCode).toBe(202);
    const during = await eventually(() => hook.messages[0]);
    expect(String(during.headers['webhook-signature']).split(' ')).toEqual([signatureBy(rotated.secret, during), signatureBy(endpoint.secret, during)]);
    expect(signatureMatches(rotated.secret, during)).toBe(true);
    expect(signatureMatches(endpoint.secret, during)).toBe(true);

    // WEBHOOK_SECRET_OVERLAP is two seconds here.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await call('POST', `/v1/webhooks/${endpoint.id}/test`)).statusCode).toBe(202);
    const after = await eventually(() => hook.messages[1]);
    expect(String(after.headers['webhook-signature']).split(' ')).toEqual([signatureBy(rotated.secret, after)]);
    expect(signatureMatches(endpoint.secret, after)).toBe(false);
  });
});

describe('POST /v1/webhooks/:id/deliveries/:deliveryId/retry', () => {
  it('gives a failed delivery a fresh series of attempts with the same webhook-id; anything not failed is 409', async () => {
    const hook = await receiver();
    hook.respond = () => ({ status: 500 });
    const endpoint = await register(hook.url);
    const { deliveryId } = (await call('POST', `/v1/webhooks/${endpoint.id}/test`)).json();
    await eventually(async () => (await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=failed`)).json().items.length === 1);
    expect(hook.messages).toHaveLength(3);

    expect((await call('POST', `/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/retry`, vn)).statusCode).toBe(404);
    hook.respond = () => ({ status: 200 });
    const retry = await call('POST', `/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/retry`);
    expect(retry.statusCode).toBe(202);
    const delivered = await eventually(async () => {
      const items = (await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=delivered`)).json().items;
      return items[0];
    });
    expect(delivered).toMatchObject({ id: deliveryId, attempts: 4, lastStatusCode: 200, lastError: null });
    expect(new Set(hook.messages.map((m) => m.headers['webhook-id']))).toEqual(new Set([deliveryId]));
    expect(hook.messages).toHaveLength(4);

    const again = await call('POST', `/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/retry`);
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
  });

  it('pages the delivery log newest first', async () => {
    const hook = await receiver();
    const endpoint = await register(hook.url);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await call('POST', `/v1/webhooks/${endpoint.id}/test`)).json().deliveryId);
    await eventually(() => hook.messages.length === 3);
    const first = (await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?limit=2`)).json();
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    expect([...first.items, ...second.items].map((d: { id: string }) => d.id)).toEqual([...ids].reverse());
    expect((await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?cursor=garbage`)).statusCode).toBe(400);
    const forged = Buffer.from(JSON.stringify({ createdAt: 'yesterday', id: 'x' })).toString('base64url');
    expect((await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?cursor=${forged}`)).statusCode).toBe(400);
    // Deliveries created within the same millisecond still page without loss.
    await t.pool.query(`UPDATE webhook_deliveries SET created_at = date_trunc('milliseconds', now()) + (random() * interval '900 microseconds') WHERE endpoint_id = $1`, [endpoint.id]);
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      pages.push(...page.items.map((d: { id: string }) => d.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect([...pages].sort()).toEqual([...ids].sort());
  });
});

describe('the sweep for lost jobs', () => {
  it('re-enqueues a pending delivery whose job is gone (a Redis that lost its data), under the same webhook-id', async () => {
    const hook = await receiver();
    const endpoint = await register(hook.url);
    // A delivery the fan-out recorded, whose job never made it (or vanished) — ten minutes ago.
    const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: { endpointId: endpoint.id } });
    await t.pool.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, type, body, created_at) VALUES ('msg_lost00000000000000000000000001', $1, 'webhook.test', $2, now() - interval '10 minutes')`,
      [endpoint.id, body],
    );
    const queue = new Queue('webhooks', { connection: { url: t.config.redisUrl }, prefix: `{${t.config.queuePrefix}}` });
    try {
      await queue.add('sweep-lost-deliveries', {}, { jobId: 'sweep-now' });
    } finally {
      await queue.close();
    }
    const message = await eventually(() => hook.messages[0]);
    expect(message.headers['webhook-id']).toBe('msg_lost00000000000000000000000001');
    expect(signatureMatches(endpoint.secret, message)).toBe(true);
    await eventually(async () => (await call('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=delivered`)).json().items.length === 1);
  });
});
