import { Injectable } from '@nestjs/common';
import {
  decisionAppend,
  DomainError,
  EventStore,
  fold,
  handleCommand,
  type DecisionAppendOptions,
  type DomainEvent,
  type LinkedDecision,
  type RecordedEvent,
  type SqlEffect,
} from '@app/event-store';
import { AsyncMutex } from '../common/async-mutex';
import type { IdempotencyClaim } from '../common/idempotency/idempotency';
import { IdempotencyStore } from '../common/idempotency/idempotency.store';
import { IdGenerator } from '../common/ids';
import type { Aggregate, AggregateCommand } from './aggregate';
import type { CommandTrace } from './command-trace';
import { currentTraceparent, inSpan } from '../tracing/trace-context';
import { eventMetadata } from './event-metadata';

export interface RunOptions {
  readonly trace: CommandTrace;
  /** The caller's Idempotency-Key: claimed before the append, its answer recorded with it. */
  readonly idempotency?: IdempotencyClaim | undefined;
  /** A creation: the stream is not read first. */
  readonly expectNew?: boolean;
  /** If-Match: the stream version the caller acted on. */
  readonly ifMatch?: number | undefined;
  /**
   * What the idempotent answer records when the route answers with something other than the
   * aggregate's view: taken from the view or the events the command decided (a proposed amendment
   * answers with the amendment, a document upload with the document). A replay must give back
   * exactly what the first request got.
   */
  readonly answer?: (view: unknown, events: readonly DomainEvent[]) => unknown;
  /**
   * The caller's own statements that belong with the command's events (a new request's sealed data
   * key; the deletion of that key on erasure): run in the same transaction, and only when the
   * command appends events.
   */
  readonly effects?: { readonly before?: readonly SqlEffect[]; readonly after?: readonly SqlEffect[] } | undefined;
}

/** What a command did: the aggregate's view after it, its stream version, and the events it appended. */
export interface CommandResult<TView> {
  readonly view: TView;
  readonly version: number;
  /** Empty when the command changed nothing (a repeated job, say). */
  readonly events: readonly RecordedEvent[];
}

/**
 * The one way a command reaches an aggregate, from HTTP and from queue workers alike: load the
 * stream, decide (pure), and append the events together with the aggregate's projection, a linked
 * aggregate's part in the decision and the idempotent answer, in one transaction.
 */
@Injectable()
export class CommandRunner {
  private readonly queues = new Map<string, AsyncMutex>();
  /** The last state read per stream, for aggregates that cache them (see Aggregate.cacheStates). */
  private readonly states = new Map<string, { readonly version: number; readonly state: unknown }>();

  constructor(
    private readonly eventStore: EventStore,
    private readonly ids: IdGenerator,
    private readonly idempotency: IdempotencyStore,
  ) {}

  run<TState, TCommand extends AggregateCommand, TEvent extends DomainEvent, TView>(
    aggregate: Aggregate<TState, TCommand, TEvent, TView>,
    id: string,
    command: TCommand,
    options: RunOptions,
  ): Promise<CommandResult<TView>> {
    return inSpan(`command ${command.type}`, { 'cdt.stream_type': aggregate.streamType }, () => {
      const key = aggregate.serializeBy?.(command);
      if (key === undefined) return this.execute(aggregate, id, command, options);
      let queue = this.queues.get(key);
      if (queue === undefined) this.queues.set(key, (queue = new AsyncMutex()));
      return queue.run(() => this.execute(aggregate, id, command, options));
    });
  }

  private async execute<TState, TCommand extends AggregateCommand, TEvent extends DomainEvent, TView>(
    aggregate: Aggregate<TState, TCommand, TEvent, TView>,
    id: string,
    command: TCommand,
    options: RunOptions,
  ): Promise<CommandResult<TView>> {
    const { projection } = aggregate;
    const claim = options.idempotency;
    const append: DecisionAppendOptions = {
      metadata: eventMetadata(command.context, withTraceparent(options.trace), this.ids.newId()),
      newEventId: () => this.ids.newId(),
      ...(aggregate.schemaVersionOf === undefined ? {} : { schemaVersionOf: aggregate.schemaVersionOf }),
    };
    const extra = options.effects;
    try {
      const outcome = await handleCommand(this.eventStore, aggregate.decider, command, {
        streamId: aggregate.streamId(id),
        streamType: aggregate.streamType,
        ...append,
        expectNew: options.expectNew === true,
        ifMatch: options.ifMatch,
        effects: (decided) => {
          const view = projection.view(id, decided.state, decided.version);
          const changed = decided.events.length > 0;
          const project = changed ? projection.effect?.(view) : undefined;
          return {
            before: [...(claim ? [this.idempotency.claimEffect(claim)] : []), ...(changed ? (extra?.before ?? []) : [])],
            after: [
              ...(project ? [project] : []),
              ...(changed ? (extra?.after ?? []) : []),
              ...(claim ? [this.idempotency.recordEffect(claim, options.answer ? options.answer(view, decided.events) : view)] : []),
            ],
          };
        },
        link: async (decided) =>
          aggregate.link?.(decided.events, command)?.use((linked, linkedId, linkedCommand) => this.decideLinked(linked, linkedId, linkedCommand, append)),
      });
      return { view: projection.view(id, outcome.state, outcome.version), version: outcome.version, events: outcome.events };
    } catch (error) {
      throw this.idempotency.translate(error);
    }
  }

  /** A linked aggregate's part in a decision: its events and projection, or a DomainError thrown to refuse the whole command. */
  private async decideLinked<TState, TCommand extends AggregateCommand, TEvent extends DomainEvent, TView>(
    aggregate: Aggregate<TState, TCommand, TEvent, TView>,
    id: string,
    command: TCommand,
    append: DecisionAppendOptions,
  ): Promise<LinkedDecision | undefined> {
    const streamId = aggregate.streamId(id);
    const { version, state } = await this.currentState(aggregate, streamId);
    const decision = aggregate.decider.decide(command, state);
    if (decision instanceof DomainError) throw decision;
    if (decision.length === 0) return undefined;
    const next = fold(aggregate.decider, decision, state);
    const project = aggregate.projection.effect?.(aggregate.projection.view(id, next, version + decision.length));
    const options: DecisionAppendOptions = { metadata: append.metadata, newEventId: append.newEventId, ...(aggregate.schemaVersionOf === undefined ? {} : { schemaVersionOf: aggregate.schemaVersionOf }) };
    return { appends: [decisionAppend(streamId, aggregate.streamType, version, decision, options)], effects: { after: project ? [project] : [] } };
  }

  private async currentState<TState, TCommand extends AggregateCommand, TEvent extends DomainEvent, TView>(
    aggregate: Aggregate<TState, TCommand, TEvent, TView>,
    streamId: string,
  ): Promise<{ readonly version: number; readonly state: TState }> {
    // Stream ids are unique across aggregates (each starts with its stream type), so a cached
    // state under this id is this aggregate's.
    const cached = aggregate.cacheStates === true ? (this.states.get(streamId) as { version: number; state: TState } | undefined) : undefined;
    const known = cached ?? { version: 0, state: aggregate.decider.initialState() };
    const newer = await this.eventStore.readStream(streamId, known.version + 1);
    const last = newer.at(-1);
    if (last === undefined) return known;
    const current = { version: last.version, state: fold(aggregate.decider, newer as unknown as TEvent[], known.state) };
    if (aggregate.cacheStates === true) this.states.set(streamId, current);
    return current;
  }
}

/** The trace as given, plus the context of the span the command runs in, when traced. */
function withTraceparent(trace: CommandTrace): CommandTrace {
  const traceparent = currentTraceparent();
  return traceparent === undefined ? trace : { ...trace, traceparent };
}
