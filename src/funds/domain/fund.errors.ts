import { DomainError, type FieldProblem } from '@app/event-store/decider';
import type { FundWindow } from './fund.values';

/** The stable codes of refusals by the Fund aggregate; each becomes a problem `type`. */
export const FundErrors = {
  invalid: (problems: readonly FieldProblem[]) => new DomainError('invalid', 'fund.invalid', 'the fund command is not valid', problems),
  fiscalYearMismatch: (commandYear: number, fundYear: number) =>
    new DomainError(
      'invalid',
      'fund.fiscal_year_mismatch',
      `the command is for fiscal year ${commandYear}, but this is the fund of fiscal year ${fundYear}`,
      [{ field: 'fiscalYear', message: `fiscalYear must be ${fundYear} for this fund` }],
    ),
  adminOnly: () => new DomainError('forbidden', 'fund.admin_only', 'only a fund manager (admin) may allocate funds'),
  notPermitted: (action: string, role: string) => new DomainError('forbidden', 'fund.not_permitted', `the role ${role} may not ${action}`),
  allocationLimit: (window: FundWindow, allocated: bigint, amount: bigint, limit: bigint) =>
    new DomainError(
      'conflict',
      'fund.allocation_limit',
      `allocating ${amount} cents to the ${window} window would bring it to ${allocated + amount} cents, above the limit of ${limit} cents`,
    ),
  insufficientFunds: (fiscalYear: number, window: FundWindow, available: bigint, amount: bigint) =>
    new DomainError(
      'conflict',
      'fund.insufficient_funds',
      `the ${window} window of fiscal year ${fiscalYear} has ${available} cents available, but ${amount} cents were asked for`,
    ),
  alreadyCommitted: (requestId: string) =>
    new DomainError('conflict', 'fund.already_committed', `money is already committed for request ${requestId}`),
  windowMismatch: (requestId: string, committed: FundWindow, asked: FundWindow) =>
    new DomainError('conflict', 'fund.window_mismatch', `request ${requestId} is funded from the ${committed} window, not ${asked}`),
  notCommitted: (requestId: string) =>
    new DomainError('conflict', 'fund.not_committed', `no money is committed for request ${requestId}`),
  exceedsCommitment: (requestId: string, remaining: bigint, amount: bigint) =>
    new DomainError(
      'conflict',
      'fund.exceeds_commitment',
      `cannot disburse ${amount} cents for request ${requestId}: only ${remaining} cents of its commitment remain`,
    ),
};
