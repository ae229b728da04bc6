import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import { DomainError, fold, type Decider, type DomainEvent } from './decider';
import { ConcurrencyError, RetriesExhaustedError, StaleVersionError } from './errors';
import type { EventStore } from './event-store';
import type { EventMetadata, RecordedEvent, StreamAppend } from './event-store.types';

export interface CommandOutcome<TState> {
  readonly state: TState;
  /** The stream's version after the command (unchanged when the decider produced no events). */
  readonly version: number;
  /** What this command appended; empty when it changed nothing. */
  readonly events: readonly RecordedEvent[];
}

export interface HandleCommandOptions<TState> {
  readonly streamId: string;
  readonly streamType: string;
  readonly metadata: EventMetadata;
  readonly newEventId: () => string;
  /** A creation: start from the initial state without reading; a conflict falls back to reading. */
  readonly expectNew?: boolean;
  /**
   * The version the caller last saw (If-Match). A different current version refuses the command
   * with `StaleVersionError` instead of deciding on a state the caller has not seen.
   */
  readonly ifMatch?: number | undefined;
  /** The schema version written for each new event type; 1 unless stated. */
  readonly schemaVersionOf?: (type: string) => number;
  /** Runs first inside the append's transaction (e.g. claim an idempotency key). */
  readonly beforeAppend?: (tx: PoolClient) => Promise<void>;
  /** Runs after the append inside its transaction (inline projections, idempotency records). */
  readonly afterAppend?: (tx: PoolClient, outcome: CommandOutcome<TState>) => Promise<void>;
  readonly maxAttempts?: number;
}

const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Load the stream, fold `evolve`, call `decide`, append with the expected version — and on a
 * concurrency conflict reload and try again, a bounded number of times with jittered backoff.
 * A refusal by the decider is thrown as the `DomainError` value it returned.
 */
export async function handleCommand<TState, TCommand, TEvent extends DomainEvent>(
  store: EventStore,
  decider: Decider<TState, TCommand, TEvent>,
  command: TCommand,
  options: HandleCommandOptions<TState>,
): Promise<CommandOutcome<TState>> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let assumeNew = options.expectNew === true;
  for (let attempt = 1; ; attempt++) {
    const history = assumeNew ? [] : await store.readStream(options.streamId);
    const version = history.at(-1)?.version ?? 0;
    if (options.ifMatch !== undefined && options.ifMatch !== version) {
      throw new StaleVersionError(options.streamId, options.ifMatch, version);
    }
    const state = fold(decider, history as unknown as TEvent[]);
    const decision = decider.decide(command, state);
    if (decision instanceof DomainError) throw decision;
    try {
      return await appendDecision(store, decider, options, state, version, decision);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || error.streamId !== options.streamId) throw error;
      if (attempt >= maxAttempts) throw new RetriesExhaustedError(options.streamId, attempt, error);
      assumeNew = false;
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
}

async function appendDecision<TState, TCommand, TEvent extends DomainEvent>(
  store: EventStore,
  decider: Decider<TState, TCommand, TEvent>,
  options: HandleCommandOptions<TState>,
  state: TState,
  version: number,
  decided: readonly TEvent[],
): Promise<CommandOutcome<TState>> {
  const nextState = fold(decider, decided, state);
  const append: StreamAppend = {
    streamId: options.streamId,
    streamType: options.streamType,
    expectedVersion: version === 0 ? 'no_stream' : version,
    events: decided.map((event) => ({
      eventId: options.newEventId(),
      type: event.type,
      schemaVersion: options.schemaVersionOf?.(event.type) ?? 1,
      data: event.data,
      metadata: options.metadata,
    })),
  };
  const { beforeAppend, afterAppend } = options;
  if (decided.length === 0) {
    const outcome = { state, version, events: [] };
    if (beforeAppend || afterAppend) {
      await store.transaction(async (tx) => {
        await beforeAppend?.(tx);
        await afterAppend?.(tx, outcome);
      });
    }
    return outcome;
  }
  if (!beforeAppend && !afterAppend) {
    const [appended] = await store.append([append]);
    return { state: nextState, version: appended!.nextVersion, events: appended!.events };
  }
  return store.transaction(async (tx) => {
    await beforeAppend?.(tx);
    const [appended] = await store.appendWithin(tx, [append]);
    const outcome = { state: nextState, version: appended!.nextVersion, events: appended!.events };
    await afterAppend?.(tx, outcome);
    return outcome;
  });
}
