import { ConfigError, loadConfig } from '../config/env.schema';
import { startTracing } from './tracing';

/**
 * Imported first by the process entry points: starts tracing before anything loads the modules it
 * instruments. A configuration error is left for start-up to report with the others.
 */
function register(): void {
  try {
    const { tracing } = loadConfig();
    if (tracing === undefined) return;
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
