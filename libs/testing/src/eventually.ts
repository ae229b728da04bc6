import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it stops throwing (or returns a truthy value) and returns its result;
 * tests wait for a condition instead of sleeping a fixed time.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 10_000, intervalMs = 20 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== false && value !== undefined && value !== null) return value;
      lastError = new Error(`condition still ${String(value)}`);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`eventually(): gave up after ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
    }
    await sleep(intervalMs);
  }
}
