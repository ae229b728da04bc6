import type { EventMetadata } from '@app/event-store';
import type { CommandContext } from '../kernel/command-context';
import type { CommandTrace } from './command-trace';

/** The metadata every event of a command carries: who acted, what caused it, and the command's id. */
export function eventMetadata(context: CommandContext, trace: CommandTrace, commandId: string): EventMetadata {
  const { actor } = context;
  return {
    actor: actor.country === undefined ? { sub: actor.sub, role: actor.role } : { sub: actor.sub, role: actor.role, country: actor.country },
    correlationId: trace.correlationId,
    ...(trace.requestId === undefined ? {} : { requestId: trace.requestId }),
    ...(trace.causationId === undefined ? {} : { causationId: trace.causationId }),
    ...(trace.jobId === undefined ? {} : { jobId: trace.jobId }),
    ...(trace.traceparent === undefined ? {} : { traceparent: trace.traceparent }),
    commandId,
  };
}
