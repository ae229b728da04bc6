import { retryUntilDone } from './retry-until-done';

describe('retryUntilDone', () => {
  it('retries a failing attempt, waiting longer each time, until it succeeds', async () => {
    const failures: unknown[] = [];
    const startedAt: number[] = [];
    const done = await retryUntilDone(
      () => {
        startedAt.push(Date.now());
        return startedAt.length < 4 ? Promise.reject(new Error(`down ${startedAt.length}`)) : Promise.resolve();
      },
      { signal: new AbortController().signal, stepMs: 20, maxDelayMs: 50, onFailure: (error) => failures.push(error) },
    );

    expect(done).toBe(true);
    expect(startedAt).toHaveLength(4);
    expect(failures.map((e) => (e as Error).message)).toEqual(['down 1', 'down 2', 'down 3']);
    // Waits of 20, 40 and then 50 ms (the cap), give or take the timer's granularity.
    const waits = startedAt.slice(1).map((t, i) => t - startedAt[i]!);
    expect(waits[0]).toBeGreaterThanOrEqual(15);
    expect(waits[1]).toBeGreaterThanOrEqual(35);
    expect(waits[2]).toBeGreaterThanOrEqual(45);
  });

  it('gives up at once when aborted during a wait, without another attempt', async () => {
    const stopping = new AbortController();
    let attempts = 0;
    const retrying = retryUntilDone(
      () => {
        attempts += 1;
        return Promise.reject(new Error('down'));
      },
      { signal: stopping.signal, stepMs: 60_000, maxDelayMs: 60_000, onFailure: () => undefined },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const abortedAt = Date.now();
    stopping.abort();

    expect(await retrying).toBe(false);
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(attempts).toBe(1);
  });

  it('does not start when already aborted', async () => {
    const stopping = new AbortController();
    stopping.abort();
    let attempts = 0;
    const done = await retryUntilDone(
      () => {
        attempts += 1;
        return Promise.resolve();
      },
      { signal: stopping.signal, stepMs: 10, maxDelayMs: 10, onFailure: () => undefined },
    );
    expect(done).toBe(false);
    expect(attempts).toBe(0);
  });
});
