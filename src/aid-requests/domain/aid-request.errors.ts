import { DomainError, type FieldProblem } from '@app/event-store';
import type { RequestStatus } from './aid-request.values';

/** The stable codes of refusals by the AidRequest aggregate; each becomes a problem `type`. */
export const AidRequestErrors = {
  alreadyFiled: (requestId: string) =>
    new DomainError('conflict', 'aid_request.already_filed', `aid request ${requestId} has already been filed`),
  notFound: () => new DomainError('not_found', 'aid_request.not_found', 'the aid request does not exist'),
  notAPartner: () => new DomainError('forbidden', 'aid_request.partner_only', 'only a partner country may file an aid request'),
  officerOnly: (action: string) => new DomainError('forbidden', 'aid_request.officer_only', `only an officer may ${action}`),
  invalid: (problems: readonly FieldProblem[]) =>
    new DomainError('invalid', 'aid_request.invalid', 'the aid request is not valid', problems),
  wrongStatus: (action: string, status: RequestStatus) =>
    new DomainError('conflict', 'aid_request.wrong_status', `cannot ${action}: the request is ${status}`),
};
