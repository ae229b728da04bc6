import { createServer } from 'node:net';
import { once } from 'node:events';
import { freePort } from './ports';

describe('freePort', () => {
  it('skips a reserved port even when it is the one offered', async () => {
    const offered = [5432, 3000, 3000, 41234];
    const port = await freePort([3000, 5432], () => Promise.resolve(offered.shift()!));
    expect(port).toBe(41234);
    expect(offered).toEqual([]);
  });

  it('gives a port that can be listened on', async () => {
    const port = await freePort();
    const server = createServer().listen(port, '127.0.0.1');
    await once(server, 'listening');
    server.close();
    await once(server, 'close');
    expect(port).toBeGreaterThan(0);
  });
});
