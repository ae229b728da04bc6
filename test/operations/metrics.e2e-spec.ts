import { eventually } from '@app/testing';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock: 'system' });
});
afterAll(async () => {
  await t.close();
});

describe('GET /metrics', () => {
  it('exposes consumer lag, queue depths and process metrics in Prometheus text, without a token', async () => {
    const partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
    const filed = await t.request({
      method: 'POST',
      url: '/v1/aid-requests',
      headers: { authorization: `Bearer ${partner}` },
      payload: incidentBody({}, { detectedAt: new Date(Date.now() - 60_000).toISOString() }),
    });
    expect(filed.statusCode).toBe(201);
    // Once the relay has handled the filing it has a checkpoint, and its lag is reported.
    const text = await eventually(async () => {
      const response = await t.request({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/plain');
      return /cdt_consumer_lag_seconds\{consumer="relay"\} \d/.test(response.body) ? response.body : undefined;
    });
    expect(text).toMatch(/cdt_queue_jobs\{queue="triage",state="waiting"\} \d+/);
    expect(text).toMatch(/cdt_process_cpu_seconds_total/);
  });
});
