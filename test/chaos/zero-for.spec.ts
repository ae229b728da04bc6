import { zeroFor } from '../../bench/chaos/zero-for';

/** A read answering `answers` in turn, then 0 for ever; records when each answer was given. */
function reads(answers: readonly (number | undefined)[]): { read: () => Promise<number | undefined>; at: number[] } {
  const at: number[] = [];
  let i = 0;
  return {
    at,
    read: () => {
      at.push(Date.now());
      return Promise.resolve(i < answers.length ? answers[i++] : 0);
    },
  };
}

describe('zeroFor', () => {
  it('resolves with the time of the first zero of a run that lasted forMs', async () => {
    const probe = reads([3, 1, 0, 2, undefined]);
    const since = await zeroFor(probe.read, { forMs: 60, pollMs: 10, deadline: Date.now() + 5_000 });
    // Answers 0, then 2 and undefined, end runs: the run that counts starts at the sixth read.
    expect(since).toBe(probe.at[5]);
    expect(Date.now() - since!).toBeGreaterThanOrEqual(60);
  });

  it('resolves with undefined at the deadline when the zeros never last forMs', async () => {
    let n = 0;
    const started = Date.now();
    const since = await zeroFor(() => Promise.resolve(n++ % 2), { forMs: 50, pollMs: 10, deadline: started + 200 });
    expect(since).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });
});
