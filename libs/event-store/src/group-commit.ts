export interface GroupCommitOptions {
  /** Statements in flight at once; items arriving while all are busy wait and go together. */
  readonly maxInFlight: number;
  /** Items in one statement at most. */
  readonly maxBatch: number;
}

/** How one item of a batch ended: its result, or its own error. */
export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/** What a group commit runs: one item alone, or several queued ones together. */
export interface GroupCommitWork<T, R> {
  alone(item: T): Promise<R>;
  /** Runs `items` as one statement and settles each of them, in order. */
  together(items: readonly T[]): Promise<Settled<R>[]>;
  /** Items that share a key never share a batch (two appends to one stream); none when absent. */
  readonly keys?: (item: T) => readonly string[];
}

/** The outcome of `promise`, never rejecting. */
export function settle<R>(promise: Promise<R>): Promise<Settled<R>> {
  return promise.then(
    (value): Settled<R> => ({ ok: true, value }),
    (error: unknown): Settled<R> => ({ ok: false, error }),
  );
}

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: items are taken on the next turn of the event loop, so those made in the same
 * turn go together; while `maxInFlight` statements are running, the items that arrive wait and
 * then go together too (up to `maxBatch`, never two that share a key). One commit, one round
 * trip and one wake-up of the server then serve many items, and each caller still gets its own
 * result or error. A lone item goes `alone` (its own plain statement).
 */
export class GroupCommit<T, R> {
  private queue: Waiting<T, R>[] = [];
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(
    private readonly options: GroupCommitOptions,
    private readonly work: GroupCommitWork<T, R>,
  ) {}

  run(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight += 1;
      void this.send(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** The next batch: the oldest waiting items, up to maxBatch, no two sharing a key (the others keep their place). */
  private take(): Waiting<T, R>[] {
    const { keys } = this.work;
    if (keys === undefined) return this.queue.splice(0, this.options.maxBatch);
    const batch: Waiting<T, R>[] = [];
    const rest: Waiting<T, R>[] = [];
    const taken = new Set<string>();
    for (const waiting of this.queue) {
      const itemKeys = keys(waiting.item);
      if (batch.length < this.options.maxBatch && !itemKeys.some((key) => taken.has(key))) {
        for (const key of itemKeys) taken.add(key);
        batch.push(waiting);
      } else {
        rest.push(waiting);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async send(batch: readonly Waiting<T, R>[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch as [Waiting<T, R>];
      await this.work.alone(only.item).then(only.resolve, only.reject);
      return;
    }
    let settled: Settled<R>[];
    try {
      settled = await this.work.together(batch.map((waiting) => waiting.item));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, i) => {
      const outcome = settled[i];
      if (outcome === undefined) waiting.reject(new Error('group commit: the batch left this item unsettled'));
      else if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}
