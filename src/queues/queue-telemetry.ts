import { BullMQOtel } from 'bullmq-otel';
import type { AppConfig } from '../config/app-config';

/** BullMQ's own spans (add, process, retry…) through bullmq-otel, when tracing is on. */
export function queueTelemetry(config: AppConfig): { telemetry?: BullMQOtel } {
  return config.tracing === undefined ? {} : { telemetry: new BullMQOtel({ tracerName: 'cdt-fund' }) };
}
