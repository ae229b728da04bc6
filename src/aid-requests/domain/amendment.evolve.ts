import { fromCentsString } from '../../kernel/money';
import type { AmendmentApproved, AmendmentProposed, AmendmentRejected, AmendmentTermsData, ReportOverdue } from './amendment.events';
import type { Amendment, AmendmentTerms } from './amendment.state';
import type { AidRequestState, ApprovedRequest, Grant, Tranche } from './aid-request.state';

type GrantEvent = AmendmentProposed | AmendmentApproved | AmendmentRejected | ReportOverdue;

/** Applies an amendment or reporting event to an approved grant (any other state is left as it is). */
export function evolveAmendments(state: AidRequestState, event: GrantEvent): AidRequestState {
  if (state.status !== 'approved') return state;
  switch (event.type) {
    case 'AmendmentProposed': {
      const { amendmentId, terms, reason, proposedBy, proposedAt } = event.data;
      const amendment: Amendment = { status: 'proposed', id: amendmentId, terms: toTerms(terms), reason, proposedBy, proposedAt };
      return withGrant(state, proposedAt, (grant) => ({ ...grant, amendments: [...grant.amendments, amendment] }));
    }
    case 'AmendmentApproved': {
      const { amendmentId, awaitingSecondApproval, approvals, effect, officer, approvedAt } = event.data;
      return withGrant(state, approvedAt, (grant) => {
        const amendments = grant.amendments.map((a): Amendment => {
          if (a.id !== amendmentId) return a;
          if (awaitingSecondApproval && a.terms.type === 'cost_increase') {
            return { status: 'awaiting_second_approval', id: a.id, terms: a.terms, reason: a.reason, proposedBy: a.proposedBy, proposedAt: a.proposedAt, firstApproval: { officer, approvedAt } };
          }
          return { status: 'approved', id: a.id, terms: a.terms, reason: a.reason, proposedBy: a.proposedBy, proposedAt: a.proposedAt, approvals, decidedAt: approvedAt };
        });
        if (awaitingSecondApproval) return { ...grant, amendments };
        switch (effect.type) {
          case 'no_cost_extension':
            return { ...grant, amendments, endsAt: effect.endsAt };
          case 'budget_revision':
          case 'cost_increase': {
            // A tranche that keeps its number keeps its status (and, once disbursed, whether a report followed).
            const tranches = effect.tranches.map((t): Tranche => {
              const amount = fromCentsString(t.amount);
              const kept = grant.tranches.find((old) => old.number === t.number);
              return kept === undefined ? { number: t.number, amount, status: 'pending' } : { ...kept, amount };
            });
            const amountApproved = effect.type === 'cost_increase' ? fromCentsString(effect.amountApproved) : grant.amountApproved;
            return { ...grant, amendments, tranches, amountApproved };
          }
          case 'scope_change':
            return { ...grant, amendments };
          default: {
            const unknownEffect: never = effect;
            return unknownEffect;
          }
        }
      });
    }
    case 'AmendmentRejected': {
      const { amendmentId, officer, reason, rejectedAt } = event.data;
      return withGrant(state, rejectedAt, (grant) => ({
        ...grant,
        amendments: grant.amendments.map((a): Amendment =>
          a.id === amendmentId
            ? { status: 'rejected', id: a.id, terms: a.terms, reason: a.reason, proposedBy: a.proposedBy, proposedAt: a.proposedAt, rejectedBy: officer, decisionReason: reason, decidedAt: rejectedAt }
            : a,
        ),
      }));
    }
    case 'ReportOverdue': {
      const { dueAt, detectedAt } = event.data;
      return withGrant(state, detectedAt, (grant) => (grant.overdueReports.includes(dueAt) ? grant : { ...grant, overdueReports: [...grant.overdueReports, dueAt] }));
    }
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

function withGrant(state: ApprovedRequest, at: string, change: (grant: Grant) => Grant): ApprovedRequest {
  return { ...state, updatedAt: at, grant: change(state.grant) };
}

function toTerms(terms: AmendmentTermsData): AmendmentTerms {
  switch (terms.type) {
    case 'budget_revision':
      return { type: 'budget_revision', tranches: terms.tranches.map((t) => fromCentsString(t.amount)) };
    case 'cost_increase':
      return { type: 'cost_increase', amount: fromCentsString(terms.amount) };
    case 'no_cost_extension':
    case 'scope_change':
      return terms;
    default: {
      const unknownTerms: never = terms;
      return unknownTerms;
    }
  }
}
