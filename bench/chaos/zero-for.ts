import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reads `read` every `pollMs` until it has answered 0 for `forMs` in a row (a backlog that stays
 * empty, not one that is empty for a moment); resolves with the time the zeros began, or with
 * undefined once `deadline` (epoch ms) has passed. A read that fails (undefined) ends a run of zeros.
 */
export async function zeroFor(
  read: () => Promise<number | undefined>,
  { forMs, pollMs, deadline }: { readonly forMs: number; readonly pollMs: number; readonly deadline: number },
): Promise<number | undefined> {
  let zeroSince: number | undefined;
  while (Date.now() < deadline) {
    const at = Date.now();
    if ((await read()) !== 0) zeroSince = undefined;
    else {
      zeroSince ??= at;
      if (Date.now() - zeroSince >= forMs) return zeroSince;
    }
    await sleep(pollMs);
  }
  return undefined;
}
