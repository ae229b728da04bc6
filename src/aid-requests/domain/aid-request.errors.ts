import { DomainError, type FieldProblem } from '@app/event-store';

/** The stable codes of refusals by the AidRequest aggregate; each becomes a problem `type`. */
export const AidRequestErrors = {
  alreadyFiled: (requestId: string) =>
    new DomainError('conflict', 'aid_request.already_filed', `aid request ${requestId} has already been filed`),
  notAPartner: () =>
    new DomainError('forbidden', 'aid_request.partner_only', 'only a partner country may file an aid request'),
  invalid: (problems: readonly FieldProblem[]) =>
    new DomainError('invalid', 'aid_request.invalid', 'the aid request is not valid', problems),
};
