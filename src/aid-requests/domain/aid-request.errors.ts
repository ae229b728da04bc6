import { DomainError, type FieldProblem } from '@app/event-store/decider';
import type { RequestStatus } from './aid-request.values';

/** The stable codes of refusals by the AidRequest aggregate; each becomes a problem `type`. */
export const AidRequestErrors = {
  alreadyFiled: (requestId: string) =>
    new DomainError('conflict', 'aid_request.already_filed', `aid request ${requestId} has already been filed`),
  documentRole: () => new DomainError('forbidden', 'document.role', 'only a partner of the filing country or an officer may attach a document'),
  tooManyDocuments: (max: number) =>
    new DomainError('conflict', 'document.limit', `the request already has ${max} documents, the most it may have`),
  notFound: () => new DomainError('not_found', 'aid_request.not_found', 'the aid request does not exist'),
  notAPartner: () => new DomainError('forbidden', 'aid_request.partner_only', 'only a partner country may file an aid request'),
  officerOnly: (action: string) => new DomainError('forbidden', 'aid_request.officer_only', `only an officer may ${action}`),
  invalid: (problems: readonly FieldProblem[]) =>
    new DomainError('invalid', 'aid_request.invalid', 'the aid request is not valid', problems),
  wrongStatus: (action: string, status: RequestStatus) =>
    new DomainError('conflict', 'aid_request.wrong_status', `cannot ${action}: the request is ${status}`),
  notAssigned: (officer: string) =>
    new DomainError('forbidden', 'aid_request.not_assigned', `only the assigned officer (${officer}) may ask the partner for information`),
  sameOfficer: () =>
    new DomainError('conflict', 'aid_request.four_eyes', 'the second approval must come from a different officer than the first'),
  approvalMismatch: (first: bigint) =>
    new DomainError('conflict', 'aid_request.approval_mismatch', `the second approval must confirm the first: amountApproved ${first}`),
  trancheUnknown: (tranche: number) => new DomainError('not_found', 'aid_request.tranche_not_found', `the grant has no tranche ${tranche}`),
  trancheState: (tranche: number, status: string) =>
    new DomainError('conflict', 'aid_request.tranche_state', `tranche ${tranche} is ${status}`),
  dueDiligenceRequired: () =>
    new DomainError('conflict', 'aid_request/due-diligence-required', 'a capacity-building approval needs a due-diligence assessment of the partner that is valid now'),
  riskLimit: (maxPercent: number, amountApproved: bigint) =>
    new DomainError(
      'conflict',
      'aid_request/risk-limit',
      `the partner is high risk: no tranche may exceed ${maxPercent}% of the ${amountApproved} cents approved`,
    ),
  reportRequired: (tranche: number) =>
    new DomainError('conflict', 'aid_request/report-required', `tranche ${tranche} needs a progress report filed since tranche ${tranche - 1} was disbursed`),
  trancheOrder: (tranche: number) =>
    new DomainError('conflict', 'aid_request/tranche-order', `tranche ${tranche} is released only after tranche ${tranche - 1}`),
  adminOnly: (action: string) => new DomainError('forbidden', 'aid_request.admin_only', `only an admin may ${action}`),
  noPersonalData: () =>
    new DomainError('conflict', 'personal_data.none', 'the request was filed without contact details: there is nothing to erase'),
  notAllDisbursed: (pending: number) =>
    new DomainError('conflict', 'aid_request.not_all_disbursed', `a final report needs every tranche disbursed; ${pending} still to go (the request is approved)`),
};
