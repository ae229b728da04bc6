/**
 * Runs tasks one at a time, in arrival order. Used where many commands of one process would
 * otherwise race for the same stream and mostly lose (optimistic retries are for the rarer races
 * between processes).
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
