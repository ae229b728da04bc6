import type { Logger } from '@nestjs/common';

/**
 * A warning for a failure that repeats on every retry while its cause lasts (a database or Redis
 * outage): logged once every `everyMs`, not once per retry.
 */
export class ThrottledWarning {
  private lastLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly everyMs = 5_000,
  ) {}

  log(error: unknown): void {
    const now = Date.now();
    if (now - this.lastLoggedAt < this.everyMs) return;
    this.lastLoggedAt = now;
    this.logger.warn(`${this.what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
