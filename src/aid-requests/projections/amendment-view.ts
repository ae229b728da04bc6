import type { Amendment } from '../domain/amendment.state';

/** The type-specific fields of an amendment, as the API shows them (amounts in cents). */
export type AmendmentTermsView =
  | { readonly type: 'no_cost_extension'; readonly months: number }
  | { readonly type: 'budget_revision'; readonly tranches: readonly { readonly amount: number }[] }
  | { readonly type: 'cost_increase'; readonly amount: number }
  | { readonly type: 'scope_change'; readonly description: string };

/** One amendment, as `POST /v1/aid-requests/:id/amendments` answers it and the request view lists it. */
export type AmendmentView = AmendmentTermsView & {
  readonly id: string;
  readonly status: Amendment['status'];
  readonly reason: string;
  readonly proposedAt: string;
  readonly decidedAt: string | null;
};

export function toAmendmentView(amendment: Amendment): AmendmentView {
  const common = {
    id: amendment.id,
    status: amendment.status,
    reason: amendment.reason,
    proposedAt: amendment.proposedAt,
    decidedAt: amendment.status === 'approved' || amendment.status === 'rejected' ? amendment.decidedAt : null,
  };
  const terms = amendment.terms;
  switch (terms.type) {
    case 'no_cost_extension':
      return { ...common, type: terms.type, months: terms.months };
    case 'budget_revision':
      return { ...common, type: terms.type, tranches: terms.tranches.map((amount) => ({ amount: cents(amount) })) };
    case 'cost_increase':
      return { ...common, type: terms.type, amount: cents(terms.amount) };
    case 'scope_change':
      return { ...common, type: terms.type, description: terms.description };
    default: {
      const unknownTerms: never = terms;
      return unknownTerms;
    }
  }
}

function cents(amount: bigint): number {
  const value = Number(amount);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount ${amount} exceeds the JSON-safe range`);
  return value;
}
