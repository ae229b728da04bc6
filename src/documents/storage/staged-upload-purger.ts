import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DocumentStore } from './document-store';

/** An upload staged longer than this was left by a process that died mid-upload. */
export const STAGED_UPLOAD_MAX_AGE_MS = 24 * 3_600_000;
const PURGE_INTERVAL_MS = 3_600_000;

/**
 * Deletes uploads a crashed process left staged (never committed nor aborted) once they are a day
 * old: at start-up and hourly after. Every API process does it; the deletes are idempotent.
 */
@Injectable()
export class StagedUploadPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('documents');
  private timer: NodeJS.Timeout | undefined;
  /** Purges run one after another: a caller waits for the one in flight (the start-up one, say). */
  private previous: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    void this.purge();
    this.timer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  purge(): Promise<number> {
    const run = this.previous.then(() => this.purgeOnce());
    this.previous = run;
    return run;
  }

  private async purgeOnce(): Promise<number> {
    try {
      const deleted = await this.store.purgeStaged(new Date(this.clock.now().getTime() - STAGED_UPLOAD_MAX_AGE_MS));
      if (deleted > 0) this.logger.log(`deleted ${deleted} uploads left staged by an interrupted process`);
      return deleted;
    } catch (error) {
      this.logger.warn(`could not purge staged uploads: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    }
  }
}
