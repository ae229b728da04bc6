import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { isAllowListed } from '../webhooks/target-address';

/** How much of a receiver's answer is read (and thrown away) before the connection is released. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface SendOutcome {
  /** The receiver's status code; absent when no answer came (refused address, network error, time-out). */
  readonly statusCode?: number;
  readonly error?: string;
  readonly durationMs: number;
}

export interface OutgoingMessage {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The one guarded HTTP client for webhooks: POST only, no redirects (Node's client follows none),
 * a time-out on the whole exchange, and, unless WEBHOOK_ALLOWED_HOSTS lists the target, a check of
 * the address actually connected to (request-filtering-agent validates each DNS answer and IP
 * literal at connect time, so a name that resolves elsewhere later is still caught).
 */
@Injectable()
export class WebhookSender implements OnModuleDestroy {
  private readonly guarded = {
    'http:': new RequestFilteringHttpAgent({ keepAlive: true, maxSockets: 64 }),
    'https:': new RequestFilteringHttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };
  private readonly allowListed = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  private readonly timeoutMs: number;
  private readonly allowedHosts: readonly string[];
  private readonly allowHttp: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.timeoutMs = config.notifications.webhooks.timeoutMs;
    this.allowedHosts = config.notifications.webhooks.allowedHosts;
    this.allowHttp = config.notifications.webhooks.allowHttp;
  }

  send(message: OutgoingMessage): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let url: URL;
    try {
      url = new URL(message.url);
    } catch {
      return Promise.resolve({ error: 'the endpoint URL is not valid', durationMs: 0 });
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowHttp)) {
      return Promise.resolve({ error: `${url.protocol}// endpoints are not allowed`, durationMs: 0 });
    }
    const protocol = url.protocol;
    const agent = isAllowListed(url, this.allowedHosts) ? this.allowListed[protocol] : this.guarded[protocol];
    const client = protocol === 'https:' ? https : http;
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...outcome, durationMs: elapsed() });
      };
      const request = client.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { ...message.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(message.body), 'user-agent': 'cdt-fund-webhooks/1' },
        },
        (response) => {
          const statusCode = response.statusCode ?? 0;
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) response.destroy();
          });
          const done = () => {
            if (statusCode >= 200 && statusCode < 300) finish({ statusCode });
            else if (statusCode >= 300 && statusCode < 400) {
              finish({ statusCode, error: `answered ${statusCode}${response.headers.location ? ` (to ${response.headers.location.slice(0, 200)})` : ''}: redirects are not followed` });
            } else finish({ statusCode, error: `answered ${statusCode}` });
          };
          response.on('end', done);
          response.on('close', done);
          response.on('error', done);
        },
      );
      const timer = setTimeout(() => {
        request.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      request.on('error', (error) => finish({ error: error.message.slice(0, 500) }));
      request.end(message.body);
    });
  }

  onModuleDestroy(): void {
    for (const agent of [...Object.values(this.guarded), ...Object.values(this.allowListed)]) agent.destroy();
  }
}
