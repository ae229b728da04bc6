import { DomainError, type FieldProblem } from '@app/event-store/decider';

/** The stable codes of refusals by the Partner aggregate; each becomes a problem `type`. */
export const PartnerErrors = {
  officerOnly: () => new DomainError('forbidden', 'partner.officer_only', 'only an officer may assess a partner'),
  invalid: (problems: readonly FieldProblem[]) => new DomainError('invalid', 'partner.invalid', 'the assessment is not valid', problems),
};
