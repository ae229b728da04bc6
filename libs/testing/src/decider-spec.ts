import { expect } from '@jest/globals';
import { DomainError, fold, type Decider, type DomainEvent } from '@app/event-store';

/**
 * Given/When/Then for pure deciders:
 *   DeciderSpecification.for(decider).given([filed]).when(claim).then([claimed])
 */
export const DeciderSpecification = {
  for<TState, TCommand, TEvent extends DomainEvent>(decider: Decider<TState, TCommand, TEvent>) {
    return {
      given(events: readonly TEvent[]) {
        return {
          when(command: TCommand) {
            const run = () => decider.decide(command, fold(decider, events));
            return {
              /** The decision is exactly these events. */
              then(expected: readonly TEvent[]): void {
                const result = run();
                if (result instanceof DomainError) {
                  throw new Error(`expected events, but the command was refused: ${result.code} — ${result.message}`);
                }
                expect(result).toEqual(expected);
              },
              /** The command is refused with this code (and, when given, these field problems). */
              thenFails(code: string, check?: (error: DomainError) => void): void {
                const result = run();
                if (!(result instanceof DomainError)) {
                  throw new Error(`expected refusal ${code}, but got events: ${JSON.stringify(result)}`);
                }
                expect(result.code).toBe(code);
                check?.(result);
              },
              /** The command is accepted but changes nothing. */
              thenNothingHappens(): void {
                const result = run();
                if (result instanceof DomainError) throw new Error(`refused: ${result.code}`);
                expect(result).toEqual([]);
              },
            };
          },
        };
      },
    };
  },
};
