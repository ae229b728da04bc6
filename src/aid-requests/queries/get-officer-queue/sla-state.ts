import type { AidRequestView } from '../../projections/aid-request-view';

export type DeadlineState = 'met' | 'pending' | 'overdue' | 'breached';

export interface SlaState {
  readonly acknowledge: { readonly dueAt: string | null; readonly state: DeadlineState };
  readonly decide: { readonly dueAt: string | null; readonly state: DeadlineState };
}

/**
 * Where each deadline stands now: met, still pending, overdue (passed, breach not yet recorded by
 * the timer or the sweep) or breached.
 */
export function slaState(view: AidRequestView, now: Date): SlaState {
  const state = (deadline: 'acknowledge' | 'decide', dueAt: string | null, metAt: string | null): DeadlineState => {
    if (view.slaBreaches.includes(deadline)) return 'breached';
    if (dueAt === null) return 'pending';
    if (metAt !== null && Date.parse(metAt) <= Date.parse(dueAt)) return 'met';
    return now.getTime() > Date.parse(dueAt) ? 'overdue' : 'pending';
  };
  return {
    acknowledge: { dueAt: view.acknowledgeBy, state: state('acknowledge', view.acknowledgeBy, view.acknowledgedAt) },
    decide: { dueAt: view.decideBy, state: state('decide', view.decideBy, null) },
  };
}
