import { Module } from '@nestjs/common';
import { CommandRunner } from './command-runner';
import { ExecuteCommandHandler } from './execute-command.handler';

/**
 * The command path, for both roles: the one handler that runs every aggregate's commands through
 * the CommandRunner. The CommandBus itself is CqrsModule's, registered once for the application.
 */
@Module({ providers: [CommandRunner, ExecuteCommandHandler] })
export class CommandsModule {}
