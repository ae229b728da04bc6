import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { TracingConfig } from '../config/app-config';

/**
 * OpenTelemetry for this process, when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans for HTTP (Node's
 * server and client; each server span is named by its Fastify route, see nameServerSpan), and for
 * PostgreSQL and Redis within them (a query or command outside any trace, such as a poller's or a
 * blocked worker's, makes no span of its own), exported over OTLP/HTTP
 * (`http/protobuf` by default, or `http/json`). The standard OTEL_* variables (service name,
 * resource attributes, headers, sampler) apply as the SDK reads them. BullMQ's own spans come from
 * `bullmq-otel`, given to each queue and worker (queues/). Must start before pg, ioredis and http
 * are loaded: main.ts and worker.ts import ./register first.
 */
export function startTracing(config: TracingConfig): NodeSDK {
  const traceExporter = config.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter();
  const sdk = new NodeSDK({
    serviceName: 'cdt-fund',
    traceExporter,
    instrumentations: [
      new HttpInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return sdk;
}
