import type { DomainError } from '@app/event-store/decider';
import type { CommandContext } from '../../kernel/command-context';
import type { AidRequestEvent } from './aid-request.events';
import type { ExistingAidRequest } from './aid-request.state';

/** What deciding a command gives: the events to append, or why not. */
export type Decision = readonly AidRequestEvent[] | DomainError;

/** A partner acts only on its own country's requests; any other is as if it did not exist. */
export function partnerOwns(context: CommandContext, state: ExistingAidRequest): boolean {
  return context.actor.role === 'partner' && context.actor.country === state.filed.country;
}
