import { addMonths } from '../../kernel/calendar';
import type { ApprovedRequest, FiledRequest } from './aid-request.state';

/** Months of a grant period when the request has no capacity duration (rapid response). */
export const RAPID_RESPONSE_MONTHS = 3;

/** The end of a grant period of `months` calendar months from approval (end-of-month days clamp; see kernel/calendar). */
export function grantEnd(approvedAt: string, months: number): string {
  return addMonths(new Date(approvedAt), months).toISOString();
}

/** The period a grant is approved for: the capacity duration, or the rapid-response period. */
export function initialGrantMonths(filed: Pick<FiledRequest, 'capacity'>): number {
  return filed.capacity?.durationMonths ?? RAPID_RESPONSE_MONTHS;
}

/** The grant's months so far: its initial period plus every approved no-cost extension. */
export function grantMonths(request: Pick<ApprovedRequest, 'filed' | 'grant'>): number {
  const extensions = request.grant.amendments.reduce(
    (months, a) => (a.status === 'approved' && a.terms.type === 'no_cost_extension' ? months + a.terms.months : months),
    0,
  );
  return initialGrantMonths(request.filed) + extensions;
}
