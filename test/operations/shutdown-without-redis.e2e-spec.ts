import { eventually } from '@app/testing';
import { Redis } from 'ioredis';
import { freePort } from '../../src/local-services/ports';
import { startRedis } from '../support/own-redis';
import { createTestApp } from '../support/test-app';

/** Counts the connection attempts of every ioredis client of this process while `during` runs. */
async function connectionAttempts(during: () => Promise<void>): Promise<number> {
  // Kept to be called with each client as `this`, and put back afterwards.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const connect = Redis.prototype.connect;
  let attempts = 0;
  Redis.prototype.connect = function (this: Redis, ...args: Parameters<typeof connect>) {
    attempts++;
    return connect.apply(this, args);
  };
  try {
    await during();
  } finally {
    Redis.prototype.connect = connect;
  }
  return attempts;
}

describe('a shutdown while Redis is gone', () => {
  // The API role: its queues (the producer's, which the queue dashboard also shows) are what is closed here.
  it('leaves no connection retrying: the queues are closed for good', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const t = await createTestApp({ env: { APP_ROLE: 'api', REDIS_URL: `redis://127.0.0.1:${port}` } });
    try {
      await eventually(async () => ((await t.request({ method: 'GET', url: '/health/ready' })).json().checks.redis.status === 'up' ? true : undefined));
      // The queue dashboard answers from every queue: each has connected.
      const admin = await t.token('admin');
      const counts = await t.request({ method: 'GET', url: '/admin/queues/api/queues', headers: { authorization: `Bearer ${admin}` } });
      expect(counts.statusCode).toBe(200);
    } finally {
      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));
      await t.close();
    }
    // The producer's clients retry every 200 ms to 2 s: one left open would try several times.
    const attempts = await connectionAttempts(() => new Promise((resolve) => setTimeout(resolve, 2_500)));
    expect(attempts).toBe(0);
  }, 60_000);
});
