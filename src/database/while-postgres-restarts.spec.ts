import { startupFailureKind, whilePostgresRestarts } from './while-postgres-restarts';

const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

/** A clock that moves only when the code under test sleeps. */
function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; pauses: number[] } {
  let at = 0;
  const pauses: number[] = [];
  return {
    now: () => at,
    sleep: (ms) => {
      pauses.push(ms);
      at += ms;
      return Promise.resolve();
    },
    pauses,
  };
}

/** A step that fails with `errors` in turn, then answers 'ready'. */
function failingWith(...errors: Error[]): { step: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    step: () => {
      const error = errors[calls++];
      return error === undefined ? Promise.resolve('ready') : Promise.reject(error);
    },
    calls: () => calls,
  };
}

describe('startupFailureKind', () => {
  it.each([
    ['57P01', 'restarting'],
    ['57P02', 'restarting'],
    ['57P03', 'restarting'],
    ['ECONNRESET', 'restarting'],
    ['ECONNREFUSED', 'refused'],
    ['28P01', 'other'],
    ['42P01', 'other'],
  ])('code %s is %s', (code, kind) => {
    expect(startupFailureKind(withCode(code))).toBe(kind);
  });

  it('reads a session cut by the server from the driver message', () => {
    expect(startupFailureKind(new Error('Connection terminated unexpectedly'))).toBe('restarting');
    expect(startupFailureKind(new Error('relation "events" does not exist'))).toBe('other');
    expect(startupFailureKind('57P01')).toBe('other');
  });
});

describe('whilePostgresRestarts', () => {
  it('runs the step again while the server restarts, backing off 250 ms doubling to 2 s', async () => {
    const time = fakeTime();
    const retries: number[] = [];
    const steps = failingWith(...Array.from({ length: 6 }, () => withCode('57P03', 'the database system is starting up')));
    await expect(whilePostgresRestarts(steps.step, { giveUpAfterMs: 60_000, ...time, onRetry: (_, attempt) => retries.push(attempt) })).resolves.toBe('ready');
    expect(steps.calls()).toBe(7);
    expect(time.pauses).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000]);
    expect(retries).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a refused connection on the first attempt is a wrong address: reported at once', async () => {
    const time = fakeTime();
    const steps = failingWith(withCode('ECONNREFUSED'));
    await expect(whilePostgresRestarts(steps.step, { giveUpAfterMs: 60_000, ...time })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(steps.calls()).toBe(1);
  });

  it('a refused connection after the server was seen going down is part of its restart', async () => {
    const time = fakeTime();
    const steps = failingWith(withCode('57P01'), withCode('ECONNREFUSED'), withCode('ECONNREFUSED'));
    await expect(whilePostgresRestarts(steps.step, { giveUpAfterMs: 60_000, ...time })).resolves.toBe('ready');
    expect(steps.calls()).toBe(4);
  });

  it('anything else is not retried', async () => {
    const steps = failingWith(withCode('42P01', 'relation "events" does not exist'));
    await expect(whilePostgresRestarts(steps.step, { giveUpAfterMs: 60_000, ...fakeTime() })).rejects.toThrow('relation "events" does not exist');
    expect(steps.calls()).toBe(1);
  });

  it('gives up with the last error once the patience is spent', async () => {
    const time = fakeTime();
    const steps = failingWith(...Array.from({ length: 100 }, (_, i) => withCode('57P03', `attempt ${i + 1}`)));
    await expect(whilePostgresRestarts(steps.step, { giveUpAfterMs: 5_000, ...time })).rejects.toThrow('attempt 6');
    // 250 + 500 + 1,000 + 2,000 = 3,750 ms, then only the 1,250 ms left: the attempt at 5 s is the last.
    expect(time.pauses).toEqual([250, 500, 1_000, 2_000, 1_250]);
  });
});
