/** Who acts: a verified caller, or the system itself (`system:<queue>`) when a queue reacts to an event. */
export interface CommandActor {
  readonly sub: string;
  readonly role: string;
  readonly country?: string | undefined;
}

/** Who issued a command, and when: supplied by the edge, never read from a clock in the domain. */
export interface CommandContext {
  readonly actor: CommandActor;
  readonly now: Date;
}
