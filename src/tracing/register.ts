import { ConfigError, loadConfig } from '../config/env.schema';
import type * as Tracing from './tracing';

/**
 * Imported first by the process entry points: starts tracing before anything loads the modules it
 * instruments. A configuration error is left for start-up to report with the others.
 *
 * The OpenTelemetry SDK (about 26 MiB of heap and 23 MiB of resident memory in an idle api process) is loaded
 * only when tracing is configured: `./tracing` is required here, synchronously, because it must
 * run before pg, ioredis and http are loaded, which an `import()` would not guarantee.
 */
function register(): void {
  try {
    const { tracing } = loadConfig();
    if (tracing === undefined) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startTracing } = require('./tracing') as typeof Tracing;
    const sdk = startTracing(tracing);
    // Spans still buffered are sent when the process ends normally.
    process.once('beforeExit', () => void sdk.shutdown());
    tracingSdk.shutdown = () => sdk.shutdown();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
}

/** Flushes the exporter (graceful shutdown calls it before the process exits). */
export const tracingSdk: { shutdown: () => Promise<void> } = { shutdown: () => Promise.resolve() };

register();
