import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError, fold, type Decider, type DomainEvent } from './decider';
import { ConcurrencyError, RetriesExhaustedError, StaleVersionError } from './errors';
import type { EventStore } from './event-store';
import type { AppendEffects, EventMetadata, RecordedEvent, StreamAppend } from './event-store.types';

export interface CommandOutcome<TState> {
  readonly state: TState;
  /** The stream's version after the command (unchanged when the decider produced no events). */
  readonly version: number;
  /** What this command appended; empty when it changed nothing. */
  readonly events: readonly RecordedEvent[];
}

/** What the command will have done if its append succeeds: the basis for its SQL effects. */
export interface DecidedOutcome<TState, TEvent extends DomainEvent> {
  readonly state: TState;
  readonly version: number;
  readonly events: readonly TEvent[];
}

export interface HandleCommandOptions<TState, TEvent extends DomainEvent = DomainEvent> extends DecisionAppendOptions {
  readonly streamId: string;
  readonly streamType: string;
  /** A creation: start from the initial state without reading; a conflict falls back to reading. */
  readonly expectNew?: boolean;
  /**
   * The version the caller last saw (If-Match). A different current version refuses the command
   * with `StaleVersionError` instead of deciding on a state the caller has not seen.
   */
  readonly ifMatch?: number | undefined;
  /**
   * SQL run in the same statement as the append (inline projections, idempotency records), from
   * the outcome the append will produce. Also run when the decider produced no events.
   */
  readonly effects?: (decided: DecidedOutcome<TState, TEvent>) => AppendEffects;
  /**
   * Another aggregate's part in the same decision (approving a grant commits money from the
   * fund): its appends, each with its own expected version, join this one in one transaction, and
   * a conflict on any of them retries the whole command. May throw a DomainError to refuse.
   */
  readonly link?: (decided: DecidedOutcome<TState, TEvent>) => Promise<LinkedDecision | undefined>;
  readonly maxAttempts?: number;
}

/** What a linked aggregate adds to a command's append. */
export interface LinkedDecision {
  readonly appends: readonly StreamAppend[];
  readonly effects?: AppendEffects;
}

const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Load the stream, fold `evolve`, call `decide`, append with the expected version — and on a
 * concurrency conflict reload and try again, a bounded number of times with jittered backoff.
 * A refusal by the decider is thrown as the `DomainError` it returned.
 */
export async function handleCommand<TState, TCommand, TEvent extends DomainEvent>(
  store: EventStore,
  decider: Decider<TState, TCommand, TEvent>,
  command: TCommand,
  options: HandleCommandOptions<TState, TEvent>,
): Promise<CommandOutcome<TState>> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let assumeNew = options.expectNew === true;
  for (let attempt = 1; ; attempt++) {
    const history = assumeNew ? [] : await store.readStream(options.streamId);
    const version = history.at(-1)?.version ?? 0;
    const state = fold(decider, history as unknown as TEvent[]);
    const decision = decider.decide(command, state);
    // What the caller may not see (an unknown stream, or another country's) is refused as such
    // before its version is compared, so that a stale If-Match never reveals that it exists.
    if (decision instanceof DomainError && decision.category === 'not_found') throw decision;
    if (options.ifMatch !== undefined && options.ifMatch !== version) {
      throw new StaleVersionError(options.streamId, options.ifMatch, version);
    }
    if (decision instanceof DomainError) throw decision;
    const streams = new Set([options.streamId]);
    try {
      return await appendDecision(store, decider, options, state, version, decision, streams);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || !streams.has(error.streamId)) throw error;
      if (attempt >= maxAttempts) throw new RetriesExhaustedError(options.streamId, attempt, error);
      assumeNew = false;
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
}

async function appendDecision<TState, TCommand, TEvent extends DomainEvent>(
  store: EventStore,
  decider: Decider<TState, TCommand, TEvent>,
  options: HandleCommandOptions<TState, TEvent>,
  state: TState,
  version: number,
  decided: readonly TEvent[],
  streams: Set<string>,
): Promise<CommandOutcome<TState>> {
  const nextState = fold(decider, decided, state);
  const nextVersion = version + decided.length;
  const outcome = { state: nextState, version: nextVersion, events: decided };
  const own = options.effects?.(outcome);
  const linked = await options.link?.(outcome);
  for (const append of linked?.appends ?? []) streams.add(append.streamId);
  const before = [...(own?.before ?? []), ...(linked?.effects?.before ?? [])];
  const after = [...(own?.after ?? []), ...(linked?.effects?.after ?? [])];
  const appends = [
    ...(decided.length === 0 ? [] : [decisionAppend(options.streamId, options.streamType, version, decided, options)]),
    ...(linked?.appends ?? []),
  ];
  if (appends.length === 0 && before.length + after.length === 0) return { state, version, events: [] };
  const appended = await store.append(appends, { before, after });
  const mine = appended.find((a) => a.streamId === options.streamId);
  return { state: nextState, version: nextVersion, events: mine?.events ?? [] };
}

/** How decided events are written: fresh ids, their schema versions and the command's metadata. */
export interface DecisionAppendOptions {
  readonly metadata: EventMetadata;
  readonly newEventId: () => string;
  readonly schemaVersionOf?: (type: string) => number;
}

/** The append that stores a decision's events on a stream found at `version` (0: it does not exist yet). */
export function decisionAppend(
  streamId: string,
  streamType: string,
  version: number,
  events: readonly DomainEvent[],
  options: DecisionAppendOptions,
): StreamAppend {
  return {
    streamId,
    streamType,
    expectedVersion: version === 0 ? 'no_stream' : version,
    events: events.map((event) => ({
      eventId: options.newEventId(),
      type: event.type,
      schemaVersion: options.schemaVersionOf?.(event.type) ?? 1,
      data: event.data,
      metadata: options.metadata,
    })),
  };
}
