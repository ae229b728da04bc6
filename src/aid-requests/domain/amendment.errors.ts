import { DomainError } from '@app/event-store/decider';
import type { AmendmentType } from './amendment.events';

/** The stable codes of refusals of amendments and reporting checks; each becomes a problem `type`. */
export const AmendmentErrors = {
  partnerOnly: () => new DomainError('forbidden', 'amendment.partner_only', 'only the partner of the request’s country may propose an amendment'),
  openExists: (id: string, type: AmendmentType) =>
    new DomainError('conflict', 'amendment.open_exists', `the grant already has an open amendment (${type} ${id}); it must be decided first`),
  notFound: (id: string) => new DomainError('not_found', 'amendment.not_found', `the grant has no amendment ${id}`),
  alreadyDecided: (id: string, status: string) =>
    new DomainError('conflict', 'amendment.already_decided', `amendment ${id} is already ${status}`),
  sameOfficer: () =>
    new DomainError('conflict', 'amendment.four_eyes', 'the second approval of the amendment must come from a different officer than the first'),
  trancheInFlight: (tranche: number) =>
    new DomainError(
      'conflict',
      'amendment.tranche_in_flight',
      `tranche ${tranche} is released and not yet disbursed: a budget revision must wait until it is paid`,
    ),
  budgetChanged: (undisbursed: bigint, total: bigint) =>
    new DomainError(
      'conflict',
      'amendment.budget_changed',
      `the revision re-splits ${total} cents, but ${undisbursed} cents are now not yet disbursed: the grant changed since it was proposed`,
    ),
  openAtClose: (id: string) =>
    new DomainError('conflict', 'amendment.open_at_close', `amendment ${id} is still open: an officer must decide it before a final report closes the grant`),
  systemOnly: () => new DomainError('forbidden', 'report.system_only', 'only the reporting timers check for overdue reports'),
};
