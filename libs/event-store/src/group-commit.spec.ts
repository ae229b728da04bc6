import { GroupCommit, type Settled } from './group-commit';

interface Item {
  readonly id: number;
  readonly keys?: readonly string[];
  readonly fail?: boolean;
}

/** A fake statement runner that records the batches it was given and can be held busy. */
function recorder() {
  const batches: number[][] = [];
  let release: (() => void) | undefined;
  let held: Promise<void> | undefined;
  return {
    batches,
    hold(): void {
      held = new Promise<void>((resolve) => (release = resolve));
    },
    release(): void {
      release?.();
      held = undefined;
    },
    work: {
      alone: async (item: Item): Promise<string> => {
        batches.push([item.id]);
        await held;
        if (item.fail === true) throw new Error(`item ${item.id} refused`);
        return `done ${item.id}`;
      },
      together: async (items: readonly Item[]): Promise<Settled<string>[]> => {
        batches.push(items.map((i) => i.id));
        await held;
        return items.map((i) => (i.fail === true ? { ok: false, error: new Error(`item ${i.id} refused`) } : { ok: true, value: `done ${i.id}` }));
      },
      keys: (item: Item): readonly string[] => item.keys ?? [`item-${item.id}`],
    },
  };
}

const settleAll = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

describe('GroupCommit', () => {
  it('sends the items of one turn together and answers each on its own', async () => {
    const r = recorder();
    const group = new GroupCommit({ maxInFlight: 2, maxBatch: 10 }, r.work);
    const results = await settleAll([1, 2, 3, 4].map((id) => group.run({ id, fail: id === 3 })));

    expect(r.batches).toEqual([[1, 2, 3, 4]]);
    expect(results.map((x) => (x.status === 'fulfilled' ? x.value : (x.reason as Error).message))).toEqual(['done 1', 'done 2', 'item 3 refused', 'done 4']);
  });

  it('sends a lone item alone', async () => {
    const r = recorder();
    const group = new GroupCommit({ maxInFlight: 2, maxBatch: 10 }, r.work);
    await expect(group.run({ id: 7 })).resolves.toBe('done 7');
    expect(r.batches).toEqual([[7]]);
  });

  it('never puts two items that share a key in one batch, and keeps each key in order', async () => {
    const r = recorder();
    const group = new GroupCommit({ maxInFlight: 1, maxBatch: 10 }, r.work);
    const keysOf: Record<number, string[]> = { 1: ['a'], 2: ['b', 'fund'], 3: ['c'], 4: ['d', 'fund'], 5: ['a'], 6: ['e'] };
    await Promise.all([1, 2, 3, 4, 5, 6].map((id) => group.run({ id, keys: keysOf[id] })));

    expect(r.batches).toEqual([[1, 2, 3, 6], [4, 5]]);
  });

  it('holds items while maxInFlight statements run, then sends them together, at most maxBatch at a time', async () => {
    const r = recorder();
    const group = new GroupCommit({ maxInFlight: 1, maxBatch: 3 }, r.work);
    r.hold();
    const first = group.run({ id: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4, 5, 6].map((id) => group.run({ id }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.batches).toEqual([[1]]);
    r.release();
    await Promise.all([first, ...later]);

    expect(r.batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('rejects every item of a batch whose statement throws', async () => {
    const group = new GroupCommit<Item, string>(
      { maxInFlight: 1, maxBatch: 10 },
      { alone: () => Promise.resolve('alone'), together: () => Promise.reject(new Error('connection lost')) },
    );
    const results = await settleAll([1, 2].map((id) => group.run({ id })));
    expect(results.map((x) => x.status === 'rejected' && (x.reason as Error).message)).toEqual(['connection lost', 'connection lost']);
  });
});
