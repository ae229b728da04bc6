import { Command } from '@nestjs/cqrs';
import type { DomainEvent } from '@app/event-store';
import type { Aggregate, AggregateCommand } from './aggregate';
import type { CommandResult, CommandRunner, RunOptions } from './command-runner';

/**
 * A command for an aggregate, as it travels on the CommandBus: every caller (controllers and job
 * processors alike) dispatches one, and ExecuteCommandHandler runs it through the CommandRunner.
 */
export class ExecuteCommand<TView> extends Command<CommandResult<TView>> {
  private constructor(
    /** The aggregate's stream type, the aggregate's id and the command's type: what logs and traces name. */
    readonly streamType: string,
    readonly id: string,
    readonly commandType: string,
    readonly runWith: (runner: CommandRunner) => Promise<CommandResult<TView>>,
  ) {
    super();
  }

  static on<TState, TCommand extends AggregateCommand, TEvent extends DomainEvent, TView>(
    aggregate: Aggregate<TState, TCommand, TEvent, TView>,
    id: string,
    command: TCommand,
    options: RunOptions,
  ): ExecuteCommand<TView> {
    return new ExecuteCommand(aggregate.streamType, id, command.type, (runner) => runner.run(aggregate, id, command, options));
  }
}
