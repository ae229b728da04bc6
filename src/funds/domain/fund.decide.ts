import type { DomainError, FieldProblem } from '@app/event-store/decider';
import { toCentsString } from '../../kernel/money';
import type { AllocateFunds, CommandContext, CommitFunds, DisburseFunds, FundCommand, IncreaseCommitment, ReduceCommitment, ReleaseCommitment } from './fund.commands';
import { FundErrors } from './fund.errors';
import type { CommitmentIncreased, CommitmentReduced, CommitmentReleased, FundEvent, FundsAllocated, FundsCommitted, FundsDisbursed } from './fund.events';
import { available, commitmentOf, windowBalance, type FundState } from './fund.state';
import {
  isFundWindow,
  MAX_FISCAL_YEAR,
  MAX_FUND_AMOUNT_CENTS,
  MIN_FISCAL_YEAR,
  MIN_FUND_AMOUNT_CENTS,
} from './fund.values';

type Decision = readonly FundEvent[] | DomainError;

/** Roles that may act on a fund besides allocating (which is the admin's alone). */
const COMMITTERS: readonly string[] = ['officer', 'system'];
/** A partner's withdrawal releases its request's reservation, so a partner may release too. */
const RELEASERS: readonly string[] = ['officer', 'system', 'partner'];
const DISBURSERS: readonly string[] = ['officer', 'system'];

export function decideFund(command: FundCommand, state: FundState): Decision {
  switch (command.type) {
    case 'AllocateFunds':
      return allocate(command, state);
    case 'CommitFunds':
      return commit(command, state);
    case 'ReleaseCommitment':
      return release(command, state);
    case 'DisburseFunds':
      return disburse(command, state);
    case 'IncreaseCommitment':
      return increase(command, state);
    case 'ReduceCommitment':
      return reduce(command, state);
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}

function allocate(command: AllocateFunds, state: FundState): [FundsAllocated] | DomainError {
  const { data, context } = command;
  if (context.actor.role !== 'admin') return FundErrors.adminOnly();
  const problems = [
    ...fiscalYearProblems(data.fiscalYear),
    ...windowProblems(data.window),
    ...amountProblems(data.amount),
    ...(typeof data.note === 'string' ? [] : [{ field: 'note', message: 'note must be a string' }]),
  ];
  if (problems.length > 0) return FundErrors.invalid(problems);
  const mismatch = fiscalYearMismatch(command.data.fiscalYear, state);
  if (mismatch) return mismatch;

  const { allocated } = windowBalance(state, data.window);
  if (allocated + data.amount > MAX_FUND_AMOUNT_CENTS) {
    return FundErrors.allocationLimit(data.window, allocated, data.amount, MAX_FUND_AMOUNT_CENTS);
  }
  return [
    {
      type: 'FundsAllocated',
      data: {
        fiscalYear: data.fiscalYear,
        window: data.window,
        amount: toCentsString(data.amount),
        note: data.note,
        allocatedBy: context.actor.sub,
        allocatedAt: at(context),
      },
    },
  ];
}

function commit(command: CommitFunds, state: FundState): [FundsCommitted] | DomainError {
  const { data, context } = command;
  if (!COMMITTERS.includes(context.actor.role)) return FundErrors.notPermitted('commit funds', context.actor.role);
  const problems = [
    ...fiscalYearProblems(data.fiscalYear),
    ...windowProblems(data.window),
    ...requestIdProblems(data.requestId),
    ...amountProblems(data.amount),
  ];
  if (problems.length > 0) return FundErrors.invalid(problems);
  const mismatch = fiscalYearMismatch(data.fiscalYear, state);
  if (mismatch) return mismatch;

  if (commitmentOf(state, data.requestId)) return FundErrors.alreadyCommitted(data.requestId);
  const left = available(windowBalance(state, data.window));
  if (data.amount > left) return FundErrors.insufficientFunds(data.fiscalYear, data.window, left, data.amount);
  return [
    {
      type: 'FundsCommitted',
      data: {
        fiscalYear: data.fiscalYear,
        window: data.window,
        requestId: data.requestId,
        amount: toCentsString(data.amount),
        committedBy: context.actor.sub,
        committedAt: at(context),
      },
    },
  ];
}

function release(command: ReleaseCommitment, state: FundState): [] | [CommitmentReleased] | DomainError {
  const { data, context } = command;
  if (!RELEASERS.includes(context.actor.role)) return FundErrors.notPermitted('release a commitment', context.actor.role);
  const problems = [...fiscalYearProblems(data.fiscalYear), ...requestIdProblems(data.requestId)];
  if (typeof data.reason !== 'string' || data.reason.trim() === '') problems.push({ field: 'reason', message: 'reason must not be empty' });
  if (problems.length > 0) return FundErrors.invalid(problems);
  const mismatch = fiscalYearMismatch(data.fiscalYear, state);
  if (mismatch) return mismatch;

  const commitment = commitmentOf(state, data.requestId);
  // Nothing reserved (never committed, or already released): releasing again changes nothing.
  if (!commitment) return [];
  // Fully disbursed: nothing is left to give back; the commitment stays as the record of its
  // tranches, so that a disbursement job run again still finds them and does nothing.
  if (commitment.disbursed === commitment.amount) return [];
  return [
    {
      type: 'CommitmentReleased',
      data: {
        fiscalYear: data.fiscalYear,
        window: commitment.window,
        requestId: data.requestId,
        amount: toCentsString(commitment.amount - commitment.disbursed),
        reason: data.reason,
        releasedBy: context.actor.sub,
        releasedAt: at(context),
      },
    },
  ];
}

function disburse(command: DisburseFunds, state: FundState): [] | [FundsDisbursed] | DomainError {
  const { data, context } = command;
  if (!DISBURSERS.includes(context.actor.role)) return FundErrors.notPermitted('disburse funds', context.actor.role);
  const problems = [...fiscalYearProblems(data.fiscalYear), ...requestIdProblems(data.requestId), ...amountProblems(data.amount)];
  if (!Number.isSafeInteger(data.tranche) || data.tranche < 1) {
    problems.push({ field: 'tranche', message: 'tranche must be a whole number from 1' });
  }
  if (problems.length > 0) return FundErrors.invalid(problems);
  const mismatch = fiscalYearMismatch(data.fiscalYear, state);
  if (mismatch) return mismatch;

  const commitment = commitmentOf(state, data.requestId);
  if (!commitment) return FundErrors.notCommitted(data.requestId);
  // A disbursement job run twice pays once.
  if (commitment.tranches.includes(data.tranche)) return [];
  const remaining = commitment.amount - commitment.disbursed;
  if (data.amount > remaining) return FundErrors.exceedsCommitment(data.requestId, remaining, data.amount);
  return [
    {
      type: 'FundsDisbursed',
      data: {
        fiscalYear: data.fiscalYear,
        window: commitment.window,
        requestId: data.requestId,
        tranche: data.tranche,
        amount: toCentsString(data.amount),
        disbursedBy: context.actor.sub,
        disbursedAt: at(context),
      },
    },
  ];
}

function increase(command: IncreaseCommitment, state: FundState): [CommitmentIncreased] | DomainError {
  const { data, context } = command;
  if (!COMMITTERS.includes(context.actor.role)) return FundErrors.notPermitted('commit funds', context.actor.role);
  const problems = [...fiscalYearProblems(data.fiscalYear), ...windowProblems(data.window), ...requestIdProblems(data.requestId), ...amountProblems(data.amount)];
  if (problems.length > 0) return FundErrors.invalid(problems);
  const mismatch = fiscalYearMismatch(data.fiscalYear, state);
  if (mismatch) return mismatch;

  const commitment = commitmentOf(state, data.requestId);
  if (!commitment) return FundErrors.notCommitted(data.requestId);
  if (commitment.window !== data.window) return FundErrors.windowMismatch(data.requestId, commitment.window, data.window);
  const left = available(windowBalance(state, data.window));
  if (data.amount > left) return FundErrors.insufficientFunds(data.fiscalYear, data.window, left, data.amount);
  return [
    {
      type: 'CommitmentIncreased',
      data: {
        fiscalYear: data.fiscalYear,
        window: data.window,
        requestId: data.requestId,
        amount: toCentsString(data.amount),
        committedBy: context.actor.sub,
        committedAt: at(context),
      },
    },
  ];
}

function reduce(command: ReduceCommitment, state: FundState): [CommitmentReduced] | DomainError {
  const { data, context } = command;
  if (!COMMITTERS.includes(context.actor.role)) return FundErrors.notPermitted('release a commitment', context.actor.role);
  const problems = [...fiscalYearProblems(data.fiscalYear), ...requestIdProblems(data.requestId), ...amountProblems(data.amount)];
  if (typeof data.reason !== 'string' || data.reason.trim() === '') problems.push({ field: 'reason', message: 'reason must not be empty' });
  if (problems.length > 0) return FundErrors.invalid(problems);
  const mismatch = fiscalYearMismatch(data.fiscalYear, state);
  if (mismatch) return mismatch;

  const commitment = commitmentOf(state, data.requestId);
  if (!commitment) return FundErrors.notCommitted(data.requestId);
  const remaining = commitment.amount - commitment.disbursed;
  if (data.amount > remaining) return FundErrors.exceedsCommitment(data.requestId, remaining, data.amount);
  return [
    {
      type: 'CommitmentReduced',
      data: {
        fiscalYear: data.fiscalYear,
        window: commitment.window,
        requestId: data.requestId,
        amount: toCentsString(data.amount),
        reason: data.reason,
        releasedBy: context.actor.sub,
        releasedAt: at(context),
      },
    },
  ];
}

function at(context: CommandContext): string {
  return context.now.toISOString();
}

function fiscalYearMismatch(fiscalYear: number, state: FundState): DomainError | undefined {
  return state.status === 'open' && state.fiscalYear !== fiscalYear ? FundErrors.fiscalYearMismatch(fiscalYear, state.fiscalYear) : undefined;
}

function fiscalYearProblems(fiscalYear: number): FieldProblem[] {
  return Number.isInteger(fiscalYear) && fiscalYear >= MIN_FISCAL_YEAR && fiscalYear <= MAX_FISCAL_YEAR
    ? []
    : [{ field: 'fiscalYear', message: `fiscalYear must be a four-digit year (${MIN_FISCAL_YEAR} to ${MAX_FISCAL_YEAR})` }];
}

function windowProblems(window: string): FieldProblem[] {
  return isFundWindow(window) ? [] : [{ field: 'window', message: 'window must be rapid_response or capacity_building' }];
}

function amountProblems(amount: bigint): FieldProblem[] {
  return typeof amount === 'bigint' && amount >= MIN_FUND_AMOUNT_CENTS && amount <= MAX_FUND_AMOUNT_CENTS
    ? []
    : [{ field: 'amount', message: `amount must be whole cents from ${MIN_FUND_AMOUNT_CENTS} to ${MAX_FUND_AMOUNT_CENTS}` }];
}

function requestIdProblems(requestId: string): FieldProblem[] {
  return typeof requestId === 'string' && requestId.trim() !== '' ? [] : [{ field: 'requestId', message: 'requestId must not be empty' }];
}
