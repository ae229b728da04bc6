import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { logRequests } from './logging';

/** The request log line, written by logRequests on a real Fastify server answering real HTTP requests. */
describe('the request log line', () => {
  const lines: Record<string, unknown>[] = [];
  let fastify: FastifyInstance;
  let url: string;
  let releaseSlow: (() => void) | undefined;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    fastify = Fastify({ forceCloseConnections: true });
    logRequests(fastify, pino({ level: 'info' }, sink));
    fastify.addHook('preHandler', (request: AuthenticatedRequest, _reply, done) => {
      request.actor = { sub: 'cr-csirt', role: 'partner', country: 'CR' };
      done();
    });
    fastify.get('/v1/things/:id', (request, reply) => {
      const status = Number((request.query as { status?: string }).status ?? '200');
      void reply.status(status).send({ id: (request.params as { id: string }).id });
    });
    fastify.get('/v1/slow', () => new Promise((resolve) => (releaseSlow = () => resolve({ done: true }))));
    url = await fastify.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => fastify.close());

  const written = async (before: number): Promise<Record<string, unknown>[]> => {
    for (let i = 0; i < 50 && lines.length === before; i += 1) await sleep(10);
    await sleep(20);
    return lines.slice(before);
  };

  it.each([
    [201, 30],
    [404, 30],
    [503, 50],
  ])('names the route pattern and the caller on a %i answer, once, at level %i, and leaves headers out', async (status, level) => {
    const before = lines.length;
    await fetch(`${url}/v1/things/42?status=${status}`, { headers: { authorization: 'Bearer secret-token', 'x-request-id': 'r-1' } });
    const [line, ...more] = await written(before);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level,
      reqId: expect.any(String),
      route: '/v1/things/:id',
      sub: 'cr-csirt',
      role: 'partner',
      req: { method: 'GET', url: `/v1/things/42?status=${status}` },
      res: { statusCode: status },
      msg: `GET /v1/things/:id ${status}`,
    });
    expect(typeof line!['durationMs']).toBe('number');
    expect(JSON.stringify(line)).not.toContain('secret-token');
  });

  it('names the URL of a request no route matched', async () => {
    const before = lines.length;
    await fetch(`${url}/nowhere`);
    const [line] = await written(before);
    expect(line).toMatchObject({ route: '/nowhere', res: { statusCode: 404 }, msg: 'GET /nowhere 404' });
  });

  it('logs a request the client gave up on, when it gave up', async () => {
    const before = lines.length;
    const controller = new AbortController();
    const call = fetch(`${url}/v1/slow`, { signal: controller.signal }).catch((error: unknown) => error);
    while (releaseSlow === undefined) await sleep(5);
    controller.abort();
    await call;
    const [line] = await written(before);
    expect(line).toMatchObject({ level: 30, aborted: true, route: '/v1/slow', req: { method: 'GET', url: '/v1/slow' }, msg: 'GET /v1/slow aborted by the client' });
    releaseSlow();
  });
});
