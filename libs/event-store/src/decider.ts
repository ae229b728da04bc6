/** A domain event as deciders see it: a type tag and its payload. */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly data: TData;
}

/**
 * What kind of refusal a `DomainError` is. The HTTP edge maps it to a status; the domain only
 * says what went wrong.
 */
export type DomainErrorCategory = 'invalid' | 'not_found' | 'forbidden' | 'conflict';

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * A command refused by the domain's rules, with a stable `code` (`aid_request.not_claimable`) that
 * becomes the problem `type` at the HTTP edge. Deciders return it as a value; only the command
 * helper throws it, so that it travels to the edge like any other error.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly category: DomainErrorCategory,
    readonly code: string,
    message: string,
    readonly fieldProblems: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** The pure core of an aggregate: no I/O, no clock, no randomness. */
export interface Decider<TState, TCommand, TEvent extends DomainEvent> {
  readonly initialState: () => TState;
  readonly evolve: (state: TState, event: TEvent) => TState;
  readonly decide: (command: TCommand, state: TState) => readonly TEvent[] | DomainError;
}

export function fold<TState, TEvent extends DomainEvent>(
  decider: Pick<Decider<TState, never, TEvent>, 'initialState' | 'evolve'>,
  events: Iterable<TEvent>,
  from: TState = decider.initialState(),
): TState {
  let state = from;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
