import { once } from 'node:events';
import { createServer, connect } from 'node:net';

/**
 * A local TCP port nothing listens on right now, and none of `reserved`: ports this process will
 * bind later (the HTTP port of a service whose own PostgreSQL starts first), which the kernel
 * could otherwise hand out too, as nothing listens on them yet.
 */
export async function freePort(reserved: Iterable<number> = [], candidate: () => Promise<number> = portFromKernel): Promise<number> {
  const taken = new Set(reserved);
  for (;;) {
    const port = await candidate();
    if (!taken.has(port)) return port;
  }
}

/** The port the kernel picks for a listener on port 0, closed again at once. */
async function portFromKernel(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Whether something accepts connections at host:port (within a second). */
export async function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
