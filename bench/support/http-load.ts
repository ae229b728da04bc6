import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  /** Origin of the target, e.g. `http://127.0.0.1:3000`. */
  readonly origin: string;
  readonly method: 'POST' | 'PUT' | 'GET';
  readonly path: string;
  readonly body?: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Headers of one request; called once for every request that is sent. */
  readonly headersFor: () => Record<string, string>;
  /** Printed with the per-second progress on stderr. */
  readonly label: string;
}

export interface LoadResult {
  readonly label: string;
  readonly sent: number;
  readonly completed: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
  /** Requests sent but never answered (the run was cut off); must be 0. */
  readonly abandoned: number;
  readonly elapsedMs: number;
  readonly rps: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** autocannon's own view (HdrHistogram, whole milliseconds), for cross-checking. */
  readonly autocannon: { readonly p50: number; readonly p99: number; readonly requestsAverage: number };
  readonly non2xxSamples: readonly string[];
  readonly errorSamples: readonly string[];
}

/** What autocannon's Client has but its typings do not show. */
interface DrainableClient {
  reqsMade: number;
  responseMax: number | undefined;
  on(event: 'done', listener: () => void): unknown;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * Closed-loop HTTP load with autocannon: `connections` connections, each with one request in flight.
 * At the end of the duration the run is DRAINED rather than cut: every connection finishes the
 * request it has in flight and sends no more. So every request sent is answered and counted, and
 * a server-side count of effects can be compared exactly with the responses (autocannon's own stop
 * destroys the sockets with requests still in flight, whose effects the server may or may not commit).
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const non2xxSamples: string[] = [];
  const errorSamples: string[] = [];
  const clients: DrainableClient[] = [];
  let sent = 0;
  let completed = 0;
  let ok = 0;
  let errors = 0;
  let timeouts = 0;
  let done = 0;
  let endedAt: number | undefined;

  return new Promise<LoadResult>((resolve, reject) => {
    const startedAt = performance.now();
    const instance = autocannon(
      {
        url: options.origin,
        connections: options.connections,
        pipelining: 1,
        // A safety net only: the drain below ends the run. If autocannon's own timer fires first,
        // requests are abandoned and the run fails its checks.
        duration: options.durationSeconds + 60,
        timeout: 10,
        requests: [
          {
            method: options.method,
            path: options.path,
            ...(options.body === undefined ? {} : { body: options.body }),
            setupRequest: (request) => {
              sent++;
              return { ...request, headers: { ...request.headers, ...options.headersFor() } };
            },
            onResponse: (status, body) => {
              if ((status < 200 || status >= 300) && non2xxSamples.length < 5) non2xxSamples.push(`${status} ${body.slice(0, 500)}`);
            },
          },
        ],
        setupClient: (client) => {
          const drainable = client as unknown as DrainableClient;
          clients.push(drainable);
          drainable.on('done', () => {
            done++;
            if (done === options.connections) endedAt = performance.now();
          });
        },
      },
      (error, result) => {
        clearTimeout(drainTimer);
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const end = endedAt ?? performance.now();
        const sorted = Float64Array.from(latencies).sort();
        const elapsedMs = end - startedAt;
        const mean = sorted.length === 0 ? Number.NaN : sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
        resolve({
          label: options.label,
          sent,
          completed,
          ok,
          non2xx: completed - ok,
          statusCounts,
          errors,
          timeouts,
          abandoned: sent - completed,
          elapsedMs,
          rps: completed / (elapsedMs / 1000),
          latencyMs: {
            p50: percentile(sorted, 0.5),
            p90: percentile(sorted, 0.9),
            p99: percentile(sorted, 0.99),
            max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
            mean,
          },
          autocannon: { p50: result.latency.p50, p99: result.latency.p99, requestsAverage: result.requests.average },
          non2xxSamples,
          errorSamples,
        });
      },
    );

    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      completed++;
      if (statusCode >= 200 && statusCode < 300) ok++;
      statusCounts[String(statusCode)] = (statusCounts[String(statusCode)] ?? 0) + 1;
      latencies.push(responseTime);
    });
    instance.on('reqError', (error: unknown) => {
      errors++;
      const message = error instanceof Error ? error.message : String(error);
      if (message.includes('timed out')) timeouts++;
      if (errorSamples.length < 5) errorSamples.push(message);
    });
    let lastCompleted = 0;
    instance.on('tick', () => {
      const now = performance.now();
      process.stderr.write(
        `  ${options.label}: t=${((now - startedAt) / 1000).toFixed(0)}s ${completed - lastCompleted} responses in the last second\n`,
      );
      lastCompleted = completed;
    });

    const drainTimer = setTimeout(() => {
      // Each connection stops after the answer to the request it has in flight (autocannon checks
      // `reqsMade >= responseMax` before it sends the next one).
      for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
    }, options.durationSeconds * 1000);
  });
}
