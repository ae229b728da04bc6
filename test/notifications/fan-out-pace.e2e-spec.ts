import { jest } from '@jest/globals';
import { EventStore, type ReadAllOptions } from '@app/event-store';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock: 'system' });
});
afterAll(async () => {
  await t?.close();
});

/**
 * Every commit wakes every consumer of the log; the notification fan-out, once caught up, reads at
 * most every 50 ms, so a steady trickle of filings is fanned out in a few reads rather than one
 * per commit (the relay, which queues triage, still reads at each).
 */
it('a trickle of filings wakes the fan-out at each commit, and it reads at most every 50 ms', async () => {
  const store = t.app.get(EventStore);
  const reads: { consumer: 'fan-out' | 'other'; at: number }[] = [];
  const readAll = store.readAll.bind(store);
  const spy = jest.spyOn(store, 'readAll').mockImplementation((cursor, limit, sql, options: ReadAllOptions = {}) => {
    reads.push({ consumer: options.types?.includes('WebhookEndpointRegistered') === true ? 'fan-out' : 'other', at: performance.now() });
    return readAll(cursor, limit, sql, options);
  });
  try {
    const token = await t.token('partner', { country: 'KE', sub: 'ke-csirt' });
    const started = performance.now();
    const FILINGS = 30;
    for (let i = 0; i < FILINGS; i += 1) {
      const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${token}` }, payload: incidentBody() });
      expect(response.statusCode).toBe(201);
    }
    const elapsed = performance.now() - started;
    const fanOut = reads.filter((read) => read.consumer === 'fan-out' && read.at >= started);
    const others = reads.filter((read) => read.consumer === 'other' && read.at >= started);
    // Each filing's commit woke the relay (and the triage commits after it woke it again).
    expect(others.length).toBeGreaterThanOrEqual(FILINGS);
    // The fan-out: one read per 50 ms of the trickle, give or take the first and the last.
    expect(fanOut.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
    // The pace is counted in whole milliseconds (Date.now) and a timer may fire up to a millisecond
    // before its time by performance.now (libuv's loop clock is cached in whole milliseconds), so
    // two reads 50 ms apart can measure as 48.x ms here; without the pace they follow each commit.
    for (let i = 1; i < fanOut.length; i += 1) expect(fanOut[i]!.at - fanOut[i - 1]!.at).toBeGreaterThanOrEqual(47);
  } finally {
    spy.mockRestore();
  }
});
