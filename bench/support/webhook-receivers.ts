import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local webhook receiver; `failing` makes it answer 500 (the receiver-outage fault). */
export class Receiver {
  failing = false;
  readonly ids = new Set<string>();
  /** requestId of every `aid_request.filed` message. */
  readonly filed = new Set<string>();
  repeats = 0;
  answered500 = 0;
  port = 0;
  private server: http.Server | undefined;

  constructor(readonly name: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/${this.name}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (this.failing) {
          this.answered500++;
          response.writeHead(500).end('receiver down');
          return;
        }
        const id = String(request.headers['webhook-id']);
        if (this.ids.has(id)) this.repeats++;
        this.ids.add(id);
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; data?: { requestId?: string } };
          if (body.type === 'aid_request.filed' && body.data?.requestId !== undefined) this.filed.add(body.data.requestId);
        } catch {
          // counted by id anyway
        }
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The receivers of one run, and what the invariants ask of them. */
export class Receivers {
  readonly all: Receiver[] = [];
  /** Receivers behind fund-scoped endpoints registered before the load: they must see every filing. */
  readonly fundEndpoints: Receiver[] = [];

  async add(name: string): Promise<Receiver> {
    const receiver = new Receiver(name);
    await receiver.start();
    this.all.push(receiver);
    return receiver;
  }

  received(webhookId: string): boolean {
    return this.all.some((receiver) => receiver.ids.has(webhookId));
  }

  sawFiled(receiver: Receiver, requestId: string): boolean {
    return receiver.filed.has(requestId);
  }

  get count(): number {
    return this.all.reduce((sum, receiver) => sum + receiver.ids.size, 0);
  }

  get repeats(): number {
    return this.all.reduce((sum, receiver) => sum + receiver.repeats, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((receiver) => receiver.close()));
  }
}
