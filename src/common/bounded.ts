/**
 * Waits for `work` at most `ms`, then gives up waiting (the work itself is not cancelled).
 * Shutdown uses it so that a dead dependency cannot hold a process open forever.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<'settled' | 'timed_out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed_out'>((resolve) => {
    timer = setTimeout(() => resolve('timed_out'), ms);
  });
  try {
    return await Promise.race([work.then(() => 'settled' as const, () => 'settled' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
