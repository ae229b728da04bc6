import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryUntilDoneOptions {
  /** Ends the retrying, and the wait in progress, at once. */
  readonly signal: AbortSignal;
  /** The wait after the n-th failure is n × stepMs, at most maxDelayMs. */
  readonly stepMs: number;
  readonly maxDelayMs: number;
  readonly onFailure: (error: unknown) => void;
}

/**
 * Runs `attempt` until it succeeds (true) or `signal` aborts (false), waiting longer after each
 * failure. For work a process must finish before it can serve, whose dependency may be down at
 * start-up (Redis for the queue workers and job schedulers); a shutdown meanwhile is never held up.
 */
export async function retryUntilDone(attempt: () => Promise<void>, options: RetryUntilDoneOptions): Promise<boolean> {
  for (let failures = 1; !options.signal.aborted; failures++) {
    try {
      await attempt();
      return true;
    } catch (error) {
      if (options.signal.aborted) return false;
      options.onFailure(error);
    }
    const delay = Math.min(options.maxDelayMs, options.stepMs * failures);
    const aborted = await sleep(delay, false, { signal: options.signal }).catch(() => true);
    if (aborted) return false;
  }
  return false;
}
