import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoHttp, type Options } from 'pino-http';
import { loggerParams, rememberForLog } from './logging';

/** The request log line as pino-http writes it with these parameters, from a real HTTP server. */
describe('the request log line', () => {
  const lines: Record<string, unknown>[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const root = pino({ level: 'info' }, sink);
    const logRequest = pinoHttp(loggerParams(root).pinoHttp as Options);
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      logRequest(req, res);
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status'));
      // As the onSend hook does, once the route has run.
      rememberForLog(req, { route: '/v1/things/:id', sub: 'cr-csirt', role: 'partner' });
      res.statusCode = status;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    [201, 30],
    [404, 30],
    [503, 50],
  ])('names the route and the caller on a %i answer, once, at level %i', async (status, level) => {
    const before = lines.length;
    await fetch(`${url}/v1/things/42?status=${status}`);
    await new Promise((resolve) => setImmediate(resolve));
    const written = lines.slice(before);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      level,
      route: '/v1/things/:id',
      sub: 'cr-csirt',
      role: 'partner',
      req: { method: 'GET', url: `/v1/things/42?status=${status}` },
      res: { statusCode: status },
      msg: `GET /v1/things/:id ${status}`,
    });
    expect(typeof written[0]!['durationMs']).toBe('number');
  });
});
