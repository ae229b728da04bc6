import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandRunner, type CommandResult } from './command-runner';
import { ExecuteCommand } from './execute-command.command';

@CommandHandler(ExecuteCommand)
export class ExecuteCommandHandler implements ICommandHandler<ExecuteCommand<unknown>, CommandResult<unknown>> {
  constructor(private readonly runner: CommandRunner) {}

  execute(command: ExecuteCommand<unknown>): Promise<CommandResult<unknown>> {
    return command.runWith(this.runner);
  }
}
