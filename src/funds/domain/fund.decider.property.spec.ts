import { DomainError } from '@app/event-store/decider';
import fc from 'fast-check';
import type { FundCommand } from './fund.commands';
import { fundDecider } from './fund.decider';
import type { FundEvent } from './fund.events';
import { available, windowBalance, type Commitment, type FundState } from './fund.state';
import { FUND_WINDOWS, type FundWindow } from './fund.values';

/*
 * Model-based property test of the Fund decider. A random sequence of steps (allocations,
 * commitments, releases, disbursements; random amounts, a small pool of request ids, random roles,
 * now and then the wrong fiscal year) is decided one by one; only accepted events are folded.
 *
 * After every accepted event, with A, C, D a window's allocated, committed and disbursed in the
 * folded state, these must hold in every window:
 *   I1  0 ≤ D ≤ C ≤ A
 *   I2  A = Σ FundsAllocated, C = Σ FundsCommitted − Σ CommitmentReleased, D = Σ FundsDisbursed,
 *       each summed over the accepted events of that window (the state is a faithful ledger)
 *   I3  C − D = Σ over the window's open commitments of (amount − disbursed): money reserved but
 *       not yet paid is exactly what open commitments still owe (a release that gives back more or
 *       less than the remainder, or that forgets to close the commitment, breaks it)
 *   I4  the open commitments are exactly those of an independent model built from the accepted
 *       events, each with 0 ≤ disbursed ≤ amount and distinct tranche numbers
 * and every decision must be the one an oracle (from that model) predicts: which refusal code,
 * or which single event with which amount, or nothing (idempotent no-ops).
 */

const FY = 2027;
const now = new Date('2026-11-28T10:00:00Z');
const REQUEST_IDS = ['r1', 'r2', 'r3', 'r4', '__proto__'] as const;
const ROLES = ['admin', 'officer', 'system', 'partner', 'auditor'] as const;
type Role = (typeof ROLES)[number];

type Step =
  | { readonly kind: 'allocate'; readonly window: FundWindow; readonly amount: bigint; readonly role: Role; readonly fiscalYear: number }
  | { readonly kind: 'commit'; readonly id: string; readonly window: FundWindow; readonly amount: bigint; readonly role: Role; readonly fiscalYear: number }
  /** Commit exactly what is available, one cent less or one cent more: the boundary. */
  | { readonly kind: 'commitRest'; readonly id: string; readonly window: FundWindow; readonly delta: bigint; readonly role: Role }
  | { readonly kind: 'release'; readonly id: string; readonly role: Role; readonly fiscalYear: number }
  | { readonly kind: 'disburse'; readonly id: string; readonly tranche: number; readonly amount: bigint; readonly role: Role; readonly fiscalYear: number }
  /** Disburse exactly the commitment's remainder, one cent less or one cent more. */
  | { readonly kind: 'disburseRest'; readonly id: string; readonly tranche: number; readonly delta: bigint; readonly role: Role }
  /** An approved cost increase on a commitment, in its window or (wrongly) another. */
  | { readonly kind: 'increase'; readonly id: string; readonly window: FundWindow; readonly amount: bigint; readonly role: Role; readonly fiscalYear: number }
  /** A rejected reserved increase: part of the commitment given back. */
  | { readonly kind: 'reduce'; readonly id: string; readonly amount: bigint; readonly role: Role; readonly fiscalYear: number };

const window = fc.constantFrom(...FUND_WINDOWS);
const id = fc.constantFrom(...REQUEST_IDS);
const delta = fc.constantFrom(-1n, 0n, 1n);
const tranche = fc.integer({ min: 1, max: 4 });
/** Mostly a role that may act, sometimes one that may not. */
const roleMostly = (...usual: Role[]) => fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...ROLES) });
/** Mostly the fund's fiscal year, sometimes another. */
const fiscalYear = fc.oneof({ weight: 19, arbitrary: fc.constant(FY) }, { weight: 1, arbitrary: fc.constantFrom(FY - 1, FY + 1) });
const amount = (max: number) => fc.oneof({ weight: 20, arbitrary: fc.bigInt({ min: 1n, max: BigInt(max) }) }, { weight: 1, arbitrary: fc.constantFrom(0n, -5n) });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('allocate' as const), window, amount: amount(2_000), role: roleMostly('admin'), fiscalYear }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('commit' as const), id, window, amount: amount(1_000), role: roleMostly('officer', 'system'), fiscalYear }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('commitRest' as const), id, window, delta, role: roleMostly('officer', 'system') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), id, role: roleMostly('officer', 'system', 'partner'), fiscalYear }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('disburse' as const), id, tranche, amount: amount(600), role: roleMostly('system', 'officer'), fiscalYear }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disburseRest' as const), id, tranche, delta, role: roleMostly('system', 'officer') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('increase' as const), id, window, amount: amount(1_000), role: roleMostly('officer', 'system'), fiscalYear }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reduce' as const), id, amount: amount(600), role: roleMostly('officer', 'system'), fiscalYear }) },
);

const ctx = (role: Role) => ({ actor: { sub: `${role}-1`, role }, now });

/** The model: open commitments, rebuilt from the accepted events with plain Maps. */
interface ModelCommitment {
  window: FundWindow;
  amount: bigint;
  disbursed: bigint;
  tranches: number[];
}

class Model {
  readonly allocated = new Map<FundWindow, bigint>(FUND_WINDOWS.map((w) => [w, 0n]));
  readonly committedIn = new Map<FundWindow, bigint>(FUND_WINDOWS.map((w) => [w, 0n]));
  readonly releasedIn = new Map<FundWindow, bigint>(FUND_WINDOWS.map((w) => [w, 0n]));
  readonly disbursedIn = new Map<FundWindow, bigint>(FUND_WINDOWS.map((w) => [w, 0n]));
  readonly open = new Map<string, ModelCommitment>();
  /** Set by the first allocation, which opens the fund. */
  fiscalYear: number | null = null;

  get opened(): boolean {
    return this.fiscalYear !== null;
  }

  apply(event: FundEvent): void {
    const add = (map: Map<FundWindow, bigint>, w: FundWindow, cents: string) => map.set(w, (map.get(w) ?? 0n) + BigInt(cents));
    switch (event.type) {
      case 'FundsAllocated':
        this.fiscalYear ??= event.data.fiscalYear;
        add(this.allocated, event.data.window, event.data.amount);
        break;
      case 'FundsCommitted':
        add(this.committedIn, event.data.window, event.data.amount);
        this.open.set(event.data.requestId, { window: event.data.window, amount: BigInt(event.data.amount), disbursed: 0n, tranches: [] });
        break;
      case 'CommitmentReleased':
        add(this.releasedIn, event.data.window, event.data.amount);
        this.open.delete(event.data.requestId);
        break;
      case 'CommitmentIncreased': {
        add(this.committedIn, event.data.window, event.data.amount);
        const c = this.open.get(event.data.requestId);
        if (c) c.amount += BigInt(event.data.amount);
        break;
      }
      case 'CommitmentReduced': {
        add(this.releasedIn, event.data.window, event.data.amount);
        const c = this.open.get(event.data.requestId);
        if (c) c.amount -= BigInt(event.data.amount);
        break;
      }
      case 'FundsDisbursed': {
        add(this.disbursedIn, event.data.window, event.data.amount);
        const c = this.open.get(event.data.requestId);
        if (c) {
          c.disbursed += BigInt(event.data.amount);
          c.tranches.push(event.data.tranche);
        }
        break;
      }
    }
  }

  /** A, C, D of a window from the sums of accepted events (I2). */
  ledger(w: FundWindow) {
    const get = (map: Map<FundWindow, bigint>) => map.get(w) ?? 0n;
    return { allocated: get(this.allocated), committed: get(this.committedIn) - get(this.releasedIn), disbursed: get(this.disbursedIn) };
  }
}

/** What the decider must answer: a refusal code, exactly these events' (type, amount), or nothing. */
type Expected = { readonly refused: string } | { readonly accepted: readonly { type: FundEvent['type']; amount: bigint }[] };

function toCommand(s: Step, state: FundState): FundCommand {
  switch (s.kind) {
    case 'allocate':
      return { type: 'AllocateFunds', data: { fiscalYear: s.fiscalYear, window: s.window, amount: s.amount, note: 'n' }, context: ctx(s.role) };
    case 'commit':
      return { type: 'CommitFunds', data: { fiscalYear: s.fiscalYear, window: s.window, requestId: s.id, amount: s.amount }, context: ctx(s.role) };
    case 'commitRest': {
      const amount = available(windowBalance(state, s.window)) + s.delta;
      return { type: 'CommitFunds', data: { fiscalYear: FY, window: s.window, requestId: s.id, amount }, context: ctx(s.role) };
    }
    case 'release':
      return { type: 'ReleaseCommitment', data: { fiscalYear: s.fiscalYear, requestId: s.id, reason: 'rejected' }, context: ctx(s.role) };
    case 'disburse':
      return { type: 'DisburseFunds', data: { fiscalYear: s.fiscalYear, requestId: s.id, tranche: s.tranche, amount: s.amount }, context: ctx(s.role) };
    case 'disburseRest': {
      const c = state.status === 'open' && Object.hasOwn(state.commitments, s.id) ? state.commitments[s.id] : undefined;
      const amount = (c ? c.amount - c.disbursed : 1n) + s.delta;
      return { type: 'DisburseFunds', data: { fiscalYear: FY, requestId: s.id, tranche: s.tranche, amount }, context: ctx(s.role) };
    }
    case 'increase':
      return { type: 'IncreaseCommitment', data: { fiscalYear: s.fiscalYear, window: s.window, requestId: s.id, amount: s.amount }, context: ctx(s.role) };
    case 'reduce':
      return { type: 'ReduceCommitment', data: { fiscalYear: s.fiscalYear, requestId: s.id, amount: s.amount, reason: 'amendment_rejected' }, context: ctx(s.role) };
  }
}

const MAX = 1_000_000_000_000_000n;

function oracle(command: FundCommand, model: Model): Expected {
  const role = command.context.actor.role;
  const permitted = {
    AllocateFunds: ['admin'],
    CommitFunds: ['officer', 'system'],
    ReleaseCommitment: ['officer', 'system', 'partner'],
    DisburseFunds: ['officer', 'system'],
    IncreaseCommitment: ['officer', 'system'],
    ReduceCommitment: ['officer', 'system'],
  }[command.type];
  if (!permitted.includes(role)) return { refused: command.type === 'AllocateFunds' ? 'fund.admin_only' : 'fund.not_permitted' };
  if ('amount' in command.data && (command.data.amount < 1n || command.data.amount > MAX)) return { refused: 'fund.invalid' };
  if (model.fiscalYear !== null && command.data.fiscalYear !== model.fiscalYear) return { refused: 'fund.fiscal_year_mismatch' };
  switch (command.type) {
    case 'AllocateFunds': {
      const { allocated } = model.ledger(command.data.window);
      if (allocated + command.data.amount > MAX) return { refused: 'fund.allocation_limit' };
      return { accepted: [{ type: 'FundsAllocated', amount: command.data.amount }] };
    }
    case 'CommitFunds': {
      if (model.open.has(command.data.requestId)) return { refused: 'fund.already_committed' };
      const { allocated, committed } = model.ledger(command.data.window);
      if (command.data.amount > allocated - committed) return { refused: 'fund.insufficient_funds' };
      return { accepted: [{ type: 'FundsCommitted', amount: command.data.amount }] };
    }
    case 'ReleaseCommitment': {
      const c = model.open.get(command.data.requestId);
      if (!c || c.amount === c.disbursed) return { accepted: [] };
      return { accepted: [{ type: 'CommitmentReleased', amount: c.amount - c.disbursed }] };
    }
    case 'DisburseFunds': {
      const c = model.open.get(command.data.requestId);
      if (!c) return { refused: 'fund.not_committed' };
      if (c.tranches.includes(command.data.tranche)) return { accepted: [] };
      if (command.data.amount > c.amount - c.disbursed) return { refused: 'fund.exceeds_commitment' };
      return { accepted: [{ type: 'FundsDisbursed', amount: command.data.amount }] };
    }
    case 'IncreaseCommitment': {
      const c = model.open.get(command.data.requestId);
      if (!c) return { refused: 'fund.not_committed' };
      if (c.window !== command.data.window) return { refused: 'fund.window_mismatch' };
      const { allocated, committed } = model.ledger(command.data.window);
      if (command.data.amount > allocated - committed) return { refused: 'fund.insufficient_funds' };
      return { accepted: [{ type: 'CommitmentIncreased', amount: command.data.amount }] };
    }
    case 'ReduceCommitment': {
      const c = model.open.get(command.data.requestId);
      if (!c) return { refused: 'fund.not_committed' };
      if (command.data.amount > c.amount - c.disbursed) return { refused: 'fund.exceeds_commitment' };
      return { accepted: [{ type: 'CommitmentReduced', amount: command.data.amount }] };
    }
  }
}

function checkInvariants(state: FundState, model: Model): void {
  if (!model.opened) {
    expect(state).toEqual({ status: 'none' });
    return;
  }
  if (state.status !== 'open') throw new Error('the fund should be open after its first allocation');
  for (const w of FUND_WINDOWS) {
    const { allocated: a, committed: c, disbursed: d } = state.windows[w];
    // I1
    expect(0n <= d && d <= c && c <= a).toBe(true);
    // I2
    expect(state.windows[w]).toEqual(model.ledger(w));
    // I3
    const owed = Object.values(state.commitments)
      .filter((x) => x.window === w)
      .reduce((sum, x) => sum + (x.amount - x.disbursed), 0n);
    expect(c - d).toBe(owed);
  }
  // I4
  const open = Object.entries(state.commitments).sort(([x], [y]) => x.localeCompare(y));
  const expected = [...model.open.entries()].sort(([x], [y]) => x.localeCompare(y));
  expect(open).toEqual(expected.map(([k, v]): [string, Commitment] => [k, { ...v, tranches: [...v.tranches] }]));
  for (const [, x] of open) {
    expect(0n <= x.disbursed && x.disbursed <= x.amount).toBe(true);
    expect(new Set(x.tranches).size).toBe(x.tranches.length);
  }
}

function run(steps: readonly Step[]): { accepted: number; refused: number } {
  let state = fundDecider.initialState();
  const model = new Model();
  let accepted = 0;
  let refused = 0;
  for (const s of steps) {
    const command = toCommand(s, state);
    const expected = oracle(command, model);
    const result = fundDecider.decide(command, state);
    if (result instanceof DomainError) {
      refused += 1;
      expect({ refused: result.code }).toEqual(expected);
      continue;
    }
    expect({ accepted: result.map((e) => ({ type: e.type, amount: BigInt(e.data.amount) })) }).toEqual(expected);
    for (const event of result) {
      accepted += 1;
      state = fundDecider.evolve(state, event);
      model.apply(event);
      checkInvariants(state, model);
    }
  }
  return { accepted, refused };
}

describe('Fund: properties', () => {
  it('for any sequence of allocations, commitments, releases and disbursements, every window stays within its books', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), (steps) => {
        run(steps);
      }),
      { numRuns: 500 },
    );
  });

  it('the generated sequences exercise both acceptance and refusal', () => {
    // Guards the property above against a generator that, say, never gets past the first refusal.
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 40, maxLength: 80 }), (steps) => {
        const outcome = run(steps);
        accepted += outcome.accepted;
        refused += outcome.refused;
      }),
      { numRuns: 100 },
    );
    expect(accepted).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(1_000);
  });

  it('no sequence of commitments, however interleaved, commits more than was allocated', () => {
    // Many requests racing for one small window: the window ends up exactly as committed as the
    // accepted commitments say, never above its allocation.
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000n }),
        fc.array(fc.tuple(fc.constantFrom('rapid_response' as const), fc.bigInt({ min: 1n, max: 3_000n })), { maxLength: 40 }),
        (allocation, asks) => {
          let state = fundDecider.initialState();
          const allocate: FundCommand = { type: 'AllocateFunds', data: { fiscalYear: FY, window: 'rapid_response', amount: allocation, note: '' }, context: ctx('admin') };
          const first = fundDecider.decide(allocate, state);
          if (first instanceof DomainError) throw first;
          state = first.reduce(fundDecider.evolve, state);
          let granted = 0n;
          asks.forEach(([w, ask], i) => {
            const result = fundDecider.decide({ type: 'CommitFunds', data: { fiscalYear: FY, window: w, requestId: `q${i}`, amount: ask }, context: ctx('officer') }, state);
            const left = available(windowBalance(state, w));
            if (result instanceof DomainError) {
              expect(result.code).toBe('fund.insufficient_funds');
              expect(ask > left).toBe(true);
            } else {
              expect(ask <= left).toBe(true);
              granted += ask;
              state = result.reduce(fundDecider.evolve, state);
            }
          });
          expect(windowBalance(state, 'rapid_response').committed).toBe(granted);
          expect(granted <= allocation).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
