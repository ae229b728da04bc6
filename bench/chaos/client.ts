import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Answer {
  /** 0: no answer (refused, reset, timed out). */
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** What the clients saw: every 5xx, with whether PostgreSQL was down at the time. */
export class ClientRecord {
  readonly fiveXx: { at: number; status: number; route: string; pgDown: boolean; detail: string }[] = [];
  noAnswer = 0;
  retries = 0;
  calls = 0;
}

export interface ClientOptions {
  /** The API processes' base URLs: a client tries the next one when one does not answer (a load balancer's job). */
  readonly apis: () => readonly string[];
  readonly record: ClientRecord;
  /** Whether PostgreSQL is down right now (the fault schedule knows). */
  readonly pgDown: () => boolean;
  readonly timeoutMs?: number;
  readonly stopAt?: () => number;
}

const RETRYABLE = new Set([0, 429, 500, 502, 503, 504]);

/**
 * A client as a real one behaves: a request that gets no answer, a 5xx, a 429 or a 409 "still in
 * progress" is sent again with the same `Idempotency-Key` and body, after a short back-off, on the
 * next API process, until it gets a definite answer or its deadline passes.
 */
export class ApiClient {
  private next = 0;

  constructor(private readonly options: ClientOptions) {}

  private pickApi(): string {
    const apis = this.options.apis();
    const api = apis[this.next % apis.length];
    this.next++;
    if (api === undefined) throw new Error('no API process');
    return api;
  }

  async once(token: string, method: string, path: string, body?: unknown, key?: string): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (key !== undefined) headers['idempotency-key'] = key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    this.options.record.calls++;
    const pgDownBefore = this.options.pgDown();
    try {
      const response = await fetch(`${this.pickApi()}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 8_000),
      });
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (response.status >= 500) {
        this.options.record.fiveXx.push({
          at: Date.now(),
          status: response.status,
          route: `${method} ${path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id')}`,
          pgDown: pgDownBefore || this.options.pgDown(),
          detail: text.slice(0, 300),
        });
      }
      return { status: response.status, body: parsed, text };
    } catch (error) {
      this.options.record.noAnswer++;
      return { status: 0, body: undefined, text: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Sends until a definite answer (2xx, or a 4xx other than "in progress" and 429), or `deadlineMs` passes. */
  async send(token: string, method: string, path: string, body?: unknown, deadlineMs = 120_000): Promise<Answer> {
    const key = method === 'POST' ? randomBytes(12).toString('hex') : undefined;
    const deadline = Date.now() + deadlineMs;
    let delay = 100;
    for (;;) {
      const answer = await this.once(token, method, path, body, key);
      const inProgress = answer.status === 409 && /in_progress/.test(answer.text);
      if (!RETRYABLE.has(answer.status) && !inProgress) return answer;
      if (Date.now() > deadline) return answer;
      this.options.record.retries++;
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 2_000);
    }
  }
}
