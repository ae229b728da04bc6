import { context, propagation, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

/**
 * The W3C `traceparent` of the span active right now, or undefined when nothing is traced (tracing
 * off, or no span). Stored in each event's metadata so that the jobs reacting to the event, run
 * later by another process, continue the same trace.
 */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'];
}

/** What BullMQ's telemetry reads from a job to continue its producer's trace (bullmq-otel's format). */
export function bullmqTelemetryMetadata(traceparent: string): string {
  return JSON.stringify({ traceparent });
}

const tracer = trace.getTracer('cdt-fund');

/** Runs `work` in a span of its own (a no-op when tracing is off); a failure marks the span. */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Names the HTTP server span of the request being answered by its route (`POST /v1/aid-requests`);
 * Node's HTTP instrumentation knows only the method. A no-op when tracing is off.
 */
export function nameServerSpan(method: string, route: string | undefined): void {
  if (route === undefined) return;
  const span = trace.getActiveSpan();
  span?.updateName(`${method} ${route}`);
  span?.setAttribute('http.route', route);
}
