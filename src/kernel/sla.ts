/** The two deadlines every triaged request runs against. */
export const SLA_DEADLINES = ['acknowledge', 'decide'] as const;
export type SlaDeadline = (typeof SLA_DEADLINES)[number];

/** How long a request of one priority may wait for each deadline, counted from its filing. */
export interface SlaDurations {
  readonly acknowledgeMs: number;
  readonly decideMs: number;
}
