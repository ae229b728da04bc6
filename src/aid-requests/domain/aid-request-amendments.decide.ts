import { DomainError, type FieldProblem } from '@app/event-store/decider';
import { toCentsString } from '../../kernel/money';
import type { ApproveAmendment, CheckReports, ProposeAmendment, RejectAmendment } from './amendment.commands';
import type { AmendmentEffect, AmendmentTermsData } from './amendment.events';
import { AmendmentErrors } from './amendment.errors';
import { isOpen, type AmendmentTerms, type OpenAmendment } from './amendment.state';
import { partnerOwns, type Decision } from './aid-request.decision';
import { AidRequestErrors } from './aid-request.errors';
import type { TrancheData } from './aid-request.events';
import type { ApprovedRequest, ExistingAidRequest, Grant } from './aid-request.state';
import { grantEnd, grantMonths } from './grant-period';
import { rulesFor, splitToCap, withinCap } from './grant-risk.rules';
import { fromCentsString } from '../../kernel/money';
import { missedReports } from './reporting-schedule';

/*
 * The grant's life after approval: amendments proposed by the partner and decided by an officer,
 * and the reporting schedule's missed due dates.
 */

export const MAX_EXTENSION_MONTHS = 24;

export function proposeAmendment(command: ProposeAmendment, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'partner') return AmendmentErrors.partnerOnly();
  if (!partnerOwns(command.context, state)) return AidRequestErrors.notFound();
  if (state.status !== 'approved') return AidRequestErrors.wrongStatus('propose an amendment', state.status);
  const { amendmentId, terms, reason } = command.data;
  const problems = [...reasonProblems(reason), ...termsProblems(terms)];
  if (problems.length > 0) return AidRequestErrors.invalid(problems);
  const open = state.grant.amendments.find(isOpen);
  if (open !== undefined) return AmendmentErrors.openExists(open.id, open.terms.type);
  if (terms.type === 'budget_revision') {
    const inFlight = state.grant.tranches.find((t) => t.status === 'released');
    if (inFlight !== undefined) return AmendmentErrors.trancheInFlight(inFlight.number);
    const undisbursed = notYetDisbursed(state.grant);
    const total = sum(terms.tranches);
    if (total !== undisbursed) {
      return AidRequestErrors.invalid([{ field: 'tranches', message: `tranche amounts sum to ${total}, but ${undisbursed} cents are not yet disbursed` }]);
    }
  }
  return [
    {
      type: 'AmendmentProposed',
      data: { requestId: state.filed.requestId, amendmentId, terms: termsData(terms), reason, proposedBy: actor.sub, proposedAt: now.toISOString() },
    },
  ];
}

export function approveAmendment(command: ApproveAmendment, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  const found = openAmendment(command.context.actor.role, 'approve an amendment', command.data.amendmentId, state);
  if (found instanceof DomainError) return found;
  const { request, amendment } = found;
  const rules = rulesFor(request.grant.dueDiligence);
  const effect = effectOf(amendment.terms, request, rules.trancheCap ? command.policy.highRiskMaxTranchePercent : null);
  if (effect instanceof DomainError) return effect;
  const base = { requestId: request.filed.requestId, amendmentId: amendment.id, officer: actor.sub, effect, reason: command.data.reason, approvedAt: now.toISOString() };
  if (amendment.status === 'awaiting_second_approval') {
    if (amendment.firstApproval.officer === actor.sub) return AmendmentErrors.sameOfficer();
    return [{ type: 'AmendmentApproved', data: { ...base, awaitingSecondApproval: false, approvals: [amendment.firstApproval.officer, actor.sub] } }];
  }
  const newTotal = effect.type === 'cost_increase' ? BigInt(effect.amountApproved) : undefined;
  // A cost increase needs two officers when the new total reaches the threshold, or always for a high-risk grant.
  const awaitingSecondApproval = newTotal !== undefined && (newTotal >= command.policy.fourEyesThreshold || rules.fourEyes);
  return [{ type: 'AmendmentApproved', data: { ...base, awaitingSecondApproval, approvals: [actor.sub] } }];
}

export function rejectAmendment(command: RejectAmendment, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  const found = openAmendment(actor.role, 'reject an amendment', command.data.amendmentId, state);
  if (found instanceof DomainError) return found;
  const { request, amendment } = found;
  const reasonProblem = reasonProblems(command.data.reason);
  if (reasonProblem.length > 0) return AidRequestErrors.invalid(reasonProblem);
  const released =
    amendment.status === 'awaiting_second_approval'
      ? { fiscalYear: request.grant.fiscalYear, window: request.grant.window, amount: toCentsString(amendment.terms.amount) }
      : null;
  return [
    {
      type: 'AmendmentRejected',
      data: { requestId: request.filed.requestId, amendmentId: amendment.id, officer: actor.sub, reason: command.data.reason, released, rejectedAt: now.toISOString() },
    },
  ];
}

/** Records ReportOverdue for every due date passed without a report (a no-op when none was missed, or the grant is over). */
export function checkReports(command: CheckReports, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'system') return AmendmentErrors.systemOnly();
  if (state.status !== 'approved') return [];
  return missedReports(state.grant, state.reports.length, now).map((dueAt) => ({
    type: 'ReportOverdue',
    data: { requestId: state.filed.requestId, dueAt, detectedAt: now.toISOString() },
  }));
}

function openAmendment(
  role: string,
  action: string,
  amendmentId: string,
  state: ExistingAidRequest,
): { request: ApprovedRequest; amendment: OpenAmendment } | DomainError {
  if (role !== 'officer') return AidRequestErrors.officerOnly(action);
  if (state.status !== 'approved') {
    const known = 'grant' in state && state.grant.amendments.some((a) => a.id === amendmentId);
    return known ? AidRequestErrors.wrongStatus(action, state.status) : AmendmentErrors.notFound(amendmentId);
  }
  const amendment = state.grant.amendments.find((a) => a.id === amendmentId);
  if (amendment === undefined) return AmendmentErrors.notFound(amendmentId);
  if (!isOpen(amendment)) return AmendmentErrors.alreadyDecided(amendment.id, amendment.status);
  return { request: state, amendment };
}

/**
 * What approving the terms does to the grant as it is now. `capPercent`: the grant is high risk, so
 * no tranche still to be paid may exceed this share of the (new) total: a budget revision that
 * breaks it is refused, a cost increase's tranches are split to keep to it (as default tranches
 * are at approval).
 */
function effectOf(terms: AmendmentTerms, request: ApprovedRequest, capPercent: number | null): AmendmentEffect | DomainError {
  const grant = request.grant;
  switch (terms.type) {
    case 'no_cost_extension':
      return { type: 'no_cost_extension', endsAt: grantEnd(grant.approvedAt, grantMonths(request) + terms.months) };
    case 'scope_change':
      return { type: 'scope_change', description: terms.description };
    case 'budget_revision': {
      const inFlight = grant.tranches.find((t) => t.status === 'released');
      if (inFlight !== undefined) return AmendmentErrors.trancheInFlight(inFlight.number);
      const undisbursed = notYetDisbursed(grant);
      const total = sum(terms.tranches);
      if (total !== undisbursed) return AmendmentErrors.budgetChanged(undisbursed, total);
      if (capPercent !== null && !terms.tranches.every((amount) => withinCap(amount, grant.amountApproved, capPercent))) {
        return AidRequestErrors.riskLimit(capPercent, grant.amountApproved);
      }
      const disbursed = grant.tranches.filter((t) => t.status === 'disbursed');
      // New tranches are numbered after every disbursed one: the fund pays each number once.
      const next = disbursed.reduce((max, t) => Math.max(max, t.number), 0) + 1;
      return {
        type: 'budget_revision',
        tranches: [...disbursed.map(trancheData), ...terms.tranches.map((amount, i) => ({ number: next + i, amount: toCentsString(amount) }))],
      };
    }
    case 'cost_increase': {
      // The increase joins the last tranche still pending; a released tranche is already on its way
      // for its released amount, so with none pending the increase becomes a tranche of its own.
      const lastPending = grant.tranches.filter((t) => t.status === 'pending').at(-1);
      const increased: TrancheData[] =
        lastPending === undefined
          ? [...grant.tranches.map(trancheData), { number: grant.tranches.reduce((max, t) => Math.max(max, t.number), 0) + 1, amount: toCentsString(terms.amount) }]
          : grant.tranches.map((t) => (t.number === lastPending.number ? { number: t.number, amount: toCentsString(t.amount + terms.amount) } : trancheData(t)));
      const amountApproved = grant.amountApproved + terms.amount;
      const tranches = capPercent === null ? increased : cappedAfterIncrease(grant, increased, amountApproved, capPercent);
      if (tranches instanceof DomainError) return tranches;
      return {
        type: 'cost_increase',
        amount: toCentsString(terms.amount),
        amountApproved: toCentsString(amountApproved),
        fiscalYear: grant.fiscalYear,
        window: grant.window,
        tranches,
      };
    }
    default: {
      const unknownTerms: never = terms;
      return unknownTerms;
    }
  }
}

/**
 * A high-risk grant's tranches after a cost increase: the tranches already released or paid stay as
 * they are, the pending ones are split to the cap of the new total and numbered after them.
 */
function cappedAfterIncrease(grant: Grant, tranches: readonly TrancheData[], amountApproved: bigint, percent: number): TrancheData[] | DomainError {
  const isPending = (tranche: TrancheData) => (grant.tranches.find((old) => old.number === tranche.number)?.status ?? 'pending') === 'pending';
  const settled = tranches.filter((t) => !isPending(t));
  const split = splitToCap(tranches.filter(isPending).map((t) => fromCentsString(t.amount)), amountApproved, percent);
  if (split === undefined) return AidRequestErrors.riskLimit(percent, amountApproved);
  const next = settled.reduce((max, t) => Math.max(max, t.number), 0) + 1;
  return [...settled, ...split.map((amount, i) => ({ number: next + i, amount: toCentsString(amount) }))];
}

function termsProblems(terms: AmendmentTerms): FieldProblem[] {
  switch (terms.type) {
    case 'no_cost_extension':
      return Number.isInteger(terms.months) && terms.months >= 1 && terms.months <= MAX_EXTENSION_MONTHS
        ? []
        : [{ field: 'months', message: `months must be a whole number from 1 to ${MAX_EXTENSION_MONTHS}` }];
    case 'budget_revision':
      return terms.tranches.length > 0 && terms.tranches.every((amount) => amount > 0n)
        ? []
        : [{ field: 'tranches', message: 'tranches must be one or more positive amounts' }];
    case 'cost_increase':
      return terms.amount > 0n ? [] : [{ field: 'amount', message: 'amount must be a positive number of cents' }];
    case 'scope_change':
      return terms.description.trim() !== '' ? [] : [{ field: 'description', message: 'description must not be empty' }];
    default: {
      const unknownTerms: never = terms;
      return unknownTerms;
    }
  }
}

function reasonProblems(reason: string): FieldProblem[] {
  return reason.trim() === '' ? [{ field: 'reason', message: 'reason must not be empty' }] : [];
}

function termsData(terms: AmendmentTerms): AmendmentTermsData {
  switch (terms.type) {
    case 'budget_revision':
      return { type: 'budget_revision', tranches: terms.tranches.map((amount) => ({ amount: toCentsString(amount) })) };
    case 'cost_increase':
      return { type: 'cost_increase', amount: toCentsString(terms.amount) };
    case 'no_cost_extension':
    case 'scope_change':
      return terms;
    default: {
      const unknownTerms: never = terms;
      return unknownTerms;
    }
  }
}

function notYetDisbursed(grant: Grant): bigint {
  return sum(grant.tranches.filter((t) => t.status !== 'disbursed').map((t) => t.amount));
}

function sum(amounts: readonly bigint[]): bigint {
  return amounts.reduce((total, amount) => total + amount, 0n);
}

function trancheData(tranche: { readonly number: number; readonly amount: bigint }): TrancheData {
  return { number: tranche.number, amount: toCentsString(tranche.amount) };
}
