import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly json: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** Answers a message: a status code and optional headers. */
export type Responder = (message: ReceivedMessage, count: number) => { status: number; headers?: Record<string, string> };

/**
 * A real HTTP receiver in the test process, on 127.0.0.1, recording every request it gets.
 * `respond` decides each answer (200 by default) and can be swapped mid-test.
 */
export class WebhookReceiver {
  readonly messages: ReceivedMessage[] = [];
  respond: Responder = () => ({ status: 200 });
  private server: http.Server | undefined;
  port = 0;

  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await receiver.listen(port);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async listen(port = this.port): Promise<void> {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: ReceivedMessage['json'];
        try {
          json = JSON.parse(body) as ReceivedMessage['json'];
        } catch {
          json = { type: '?', timestamp: '', data: {} };
        }
        const message = { path: request.url ?? '', headers: request.headers, body, json };
        this.messages.push(message);
        const answer = this.respond(message, this.messages.length);
        response.writeHead(answer.status, answer.headers).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  ofType(type: string): ReceivedMessage[] {
    return this.messages.filter((message) => message.json.type === type);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * A Standard Webhooks check written from the specification, independent of the code under test:
 * every `v1,<sig>` in the header, and whether any matches HMAC-SHA256(secret, id.timestamp.body).
 */
export function signatureMatches(secret: string, message: ReceivedMessage): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${String(message.headers['webhook-id'])}.${String(message.headers['webhook-timestamp'])}.${message.body}`;
  const expected = createHmac('sha256', key).update(signed).digest();
  return String(message.headers['webhook-signature'] ?? '')
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .some((part) => {
      const given = Buffer.from(part.slice(3), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
