import type { Decider, DomainEvent, SqlEffect } from '@app/event-store';
import type { CommandContext } from '../kernel/command-context';

/** Every command carries who issues it and when (see CommandContext). */
export interface AggregateCommand {
  readonly type: string;
  readonly context: CommandContext;
}

/**
 * What a command answers with, and how that answer is kept in a read model: `view` maps the
 * aggregate's state at a version; `effect`, when the view has a table, stores it in the same
 * transaction as the events that produced it.
 */
export interface Projection<TState, TView> {
  view(id: string, state: TState, version: number): TView;
  effect?(view: TView): SqlEffect;
}

/**
 * One aggregate, as the command runner needs it: where its streams are, its pure decider and its
 * projection, and how it takes part in decisions that span aggregates.
 */
export interface Aggregate<TState, TCommand extends AggregateCommand, TEvent extends DomainEvent, TView> {
  readonly streamType: string;
  streamId(id: string): string;
  readonly decider: Decider<TState, TCommand, TEvent>;
  readonly projection: Projection<TState, TView>;
  /**
   * Another aggregate's command that the same decision must carry out, in the same append (an
   * approval commits money from the fund): both streams change together or not at all.
   */
  link?(events: readonly TEvent[], command: TCommand): LinkedCommand | undefined;
  /**
   * Commands with the same key run one at a time in this process, so that a burst of commands
   * that all write one stream (the fund) queues instead of losing optimistic races to each other.
   */
  serializeBy?(command: TCommand): string | undefined;
  /**
   * Keep the last state read of each stream and read only newer events next time: for streams
   * that grow long and are read as the linked side of many commands (a fiscal year's fund).
   */
  readonly cacheStates?: boolean;
  /** The schema version each event type is written with (1 when not given). */
  readonly schemaVersionOf?: (type: string) => number;
}

/** A command on another aggregate, with the aggregate's types kept inside (see linkedCommand). */
export interface LinkedCommand {
  use<R>(
    visit: <TState, TCommand extends AggregateCommand, TEvent extends DomainEvent, TView>(
      aggregate: Aggregate<TState, TCommand, TEvent, TView>,
      id: string,
      command: TCommand,
    ) => R,
  ): R;
}

export function linkedCommand<TState, TCommand extends AggregateCommand, TEvent extends DomainEvent, TView>(
  aggregate: Aggregate<TState, TCommand, TEvent, TView>,
  id: string,
  command: TCommand,
): LinkedCommand {
  return { use: (visit) => visit(aggregate, id, command) };
}
