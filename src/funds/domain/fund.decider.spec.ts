import { fold } from '@app/event-store/decider';
import { DeciderSpecification } from '@app/testing';
import type { AllocateFunds, CommitFunds, DisburseFunds, ReleaseCommitment } from './fund.commands';
import { fundDecider } from './fund.decider';
import type { CommitmentReleased, FundEvent, FundsAllocated, FundsCommitted, FundsDisbursed } from './fund.events';
import { available, commitmentOf, windowBalance, type FundState } from './fund.state';
import type { FundWindow } from './fund.values';

const spec = DeciderSpecification.for(fundDecider);
const FY = 2027;
const now = new Date('2026-11-28T10:00:00Z');
const at = '2026-11-28T10:00:00.000Z';
const admin = { sub: 'fund-manager', role: 'admin' };
const officer = { sub: 'officer-1', role: 'officer' };
const system = { sub: 'system:disbursements', role: 'system' };
const partner = { sub: 'cr-csirt', role: 'partner', country: 'CR' };
const auditor = { sub: 'inspector', role: 'auditor' };
type Actor = typeof admin | typeof partner;
const R1 = '019ac9a0-0000-7000-8000-000000000001';
const R2 = '019ac9a0-0000-7000-8000-000000000002';

// Commands
const allocate = (window: FundWindow, amount: bigint, actor: Actor = admin, fiscalYear = FY): AllocateFunds => ({
  type: 'AllocateFunds',
  data: { fiscalYear, window, amount, note: 'FY27 appropriation' },
  context: { actor, now },
});
const commit = (requestId: string, window: FundWindow, amount: bigint, actor: Actor = officer, fiscalYear = FY): CommitFunds => ({
  type: 'CommitFunds',
  data: { fiscalYear, window, requestId, amount },
  context: { actor, now },
});
const release = (requestId: string, reason = 'rejected', actor: Actor = officer, fiscalYear = FY): ReleaseCommitment => ({
  type: 'ReleaseCommitment',
  data: { fiscalYear, requestId, reason },
  context: { actor, now },
});
const disburse = (requestId: string, tranche: number, amount: bigint, actor: Actor = system, fiscalYear = FY): DisburseFunds => ({
  type: 'DisburseFunds',
  data: { fiscalYear, requestId, tranche, amount },
  context: { actor, now },
});

// Events
const allocated = (window: FundWindow, amount: string, allocatedBy = 'fund-manager'): FundsAllocated => ({
  type: 'FundsAllocated',
  data: { fiscalYear: FY, window, amount, note: 'FY27 appropriation', allocatedBy, allocatedAt: at },
});
const committed = (requestId: string, window: FundWindow, amount: string, committedBy = 'officer-1'): FundsCommitted => ({
  type: 'FundsCommitted',
  data: { fiscalYear: FY, window, requestId, amount, committedBy, committedAt: at },
});
const released = (requestId: string, window: FundWindow, amount: string, reason = 'rejected', releasedBy = 'officer-1'): CommitmentReleased => ({
  type: 'CommitmentReleased',
  data: { fiscalYear: FY, window, requestId, amount, reason, releasedBy, releasedAt: at },
});
const disbursed = (requestId: string, window: FundWindow, tranche: number, amount: string, disbursedBy = 'system:disbursements'): FundsDisbursed => ({
  type: 'FundsDisbursed',
  data: { fiscalYear: FY, window, requestId, tranche, amount, disbursedBy, disbursedAt: at },
});

const state = (events: readonly FundEvent[]): FundState => fold(fundDecider, events);
const balance = (events: readonly FundEvent[], window: FundWindow) => windowBalance(state(events), window);

const funded = [allocated('rapid_response', '1000000'), allocated('capacity_building', '5000000')];

describe('Fund: allocating', () => {
  it('the first allocation opens the fund of that fiscal year', () => {
    spec.given([]).when(allocate('rapid_response', 1_000_000n)).then([allocated('rapid_response', '1000000')]);
    const fund = state([allocated('rapid_response', '1000000')]);
    expect(fund).toEqual({
      status: 'open',
      fiscalYear: FY,
      windows: {
        rapid_response: { allocated: 1_000_000n, committed: 0n, disbursed: 0n },
        capacity_building: { allocated: 0n, committed: 0n, disbursed: 0n },
      },
      commitments: {},
    });
  });

  it('allocations to a window add up; the other window is untouched', () => {
    spec.given(funded).when(allocate('rapid_response', 250_000n)).then([allocated('rapid_response', '250000')]);
    const events = [...funded, allocated('rapid_response', '250000')];
    expect(balance(events, 'rapid_response')).toEqual({ allocated: 1_250_000n, committed: 0n, disbursed: 0n });
    expect(balance(events, 'capacity_building')).toEqual({ allocated: 5_000_000n, committed: 0n, disbursed: 0n });
  });

  it.each([officer, system, partner, auditor])('refuses the role $role: only an admin allocates', (actor) => {
    spec.given([]).when(allocate('rapid_response', 1n, actor)).thenFails('fund.admin_only', (error) => {
      expect(error.category).toBe('forbidden');
    });
  });

  it.each([0n, -1n, 1_000_000_000_000_001n])('refuses an amount of %s cents, naming the field', (amount) => {
    spec.given([]).when(allocate('rapid_response', amount)).thenFails('fund.invalid', (error) => {
      expect(error.category).toBe('invalid');
      expect(error.fieldProblems.map((p) => p.field)).toEqual(['amount']);
    });
  });

  it('accepts the smallest and the largest single amount', () => {
    spec.given([]).when(allocate('rapid_response', 1n)).then([allocated('rapid_response', '1')]);
    spec.given([]).when(allocate('rapid_response', 1_000_000_000_000_000n)).then([allocated('rapid_response', '1000000000000000')]);
  });

  it('reports every broken rule at once: window, fiscal year, amount', () => {
    const command = allocate('emergency' as FundWindow, 0n, admin, 27);
    spec.given([]).when(command).thenFails('fund.invalid', (error) => {
      expect(error.fieldProblems.map((p) => p.field)).toEqual(['fiscalYear', 'window', 'amount']);
    });
  });

  it('refuses a command for another fiscal year than the fund', () => {
    spec.given(funded).when(allocate('rapid_response', 1n, admin, 2028)).thenFails('fund.fiscal_year_mismatch', (error) => {
      expect(error.category).toBe('invalid');
      expect(error.message).toBe('the command is for fiscal year 2028, but this is the fund of fiscal year 2027');
    });
  });

  it('refuses to grow a window beyond 10^15 cents in total', () => {
    const full = [allocated('rapid_response', '999999999999999')];
    spec.given(full).when(allocate('rapid_response', 1n)).then([allocated('rapid_response', '1')]);
    spec.given(full).when(allocate('rapid_response', 2n)).thenFails('fund.allocation_limit', (error) => {
      expect(error.category).toBe('conflict');
    });
    spec.given(full).when(allocate('capacity_building', 2n)).then([allocated('capacity_building', '2')]);
  });
});

describe('Fund: committing', () => {
  it('reserves money for a request in its window', () => {
    spec.given(funded).when(commit(R1, 'rapid_response', 400_000n)).then([committed(R1, 'rapid_response', '400000')]);
    const events = [...funded, committed(R1, 'rapid_response', '400000')];
    expect(balance(events, 'rapid_response')).toEqual({ allocated: 1_000_000n, committed: 400_000n, disbursed: 0n });
    expect(available(balance(events, 'rapid_response'))).toBe(600_000n);
    expect(commitmentOf(state(events), R1)).toEqual({ window: 'rapid_response', amount: 400_000n, disbursed: 0n, tranches: [] });
  });

  it('may commit exactly what is available', () => {
    const events = [...funded, committed(R1, 'rapid_response', '400000')];
    spec.given(events).when(commit(R2, 'rapid_response', 600_000n, system)).then([committed(R2, 'rapid_response', '600000', 'system:disbursements')]);
  });

  it('refuses one cent more than is available, naming fiscal year, window, available and amount', () => {
    const events = [...funded, committed(R1, 'rapid_response', '400000')];
    spec.given(events).when(commit(R2, 'rapid_response', 600_001n)).thenFails('fund.insufficient_funds', (error) => {
      expect(error.category).toBe('conflict');
      expect(error.message).toBe('the rapid_response window of fiscal year 2027 has 600000 cents available, but 600001 cents were asked for');
    });
  });

  it('a fund with no allocation yet has nothing available', () => {
    spec.given([]).when(commit(R1, 'capacity_building', 1n)).thenFails('fund.insufficient_funds', (error) => {
      expect(error.message).toBe('the capacity_building window of fiscal year 2027 has 0 cents available, but 1 cents were asked for');
    });
  });

  it("does not borrow from the other window", () => {
    spec.given(funded).when(commit(R1, 'rapid_response', 1_000_001n)).thenFails('fund.insufficient_funds');
  });

  it('counts disbursed money as still committed', () => {
    const events = [...funded, committed(R1, 'rapid_response', '1000000'), disbursed(R1, 'rapid_response', 1, '1000000')];
    spec.given(events).when(commit(R2, 'rapid_response', 1n)).thenFails('fund.insufficient_funds');
  });

  it('money released by a rejection is available again', () => {
    const events = [...funded, committed(R1, 'rapid_response', '1000000'), released(R1, 'rapid_response', '1000000')];
    spec.given(events).when(commit(R2, 'rapid_response', 1_000_000n)).then([committed(R2, 'rapid_response', '1000000')]);
  });

  it('refuses a second commitment for the same request', () => {
    const events = [...funded, committed(R1, 'rapid_response', '100')];
    spec.given(events).when(commit(R1, 'rapid_response', 100n)).thenFails('fund.already_committed', (error) => {
      expect(error.category).toBe('conflict');
    });
    spec.given(events).when(commit(R1, 'capacity_building', 100n)).thenFails('fund.already_committed');
  });

  it.each([admin, partner, auditor])('refuses the role $role: only an officer or the system commits', (actor) => {
    spec.given(funded).when(commit(R1, 'rapid_response', 1n, actor)).thenFails('fund.not_permitted', (error) => {
      expect(error.category).toBe('forbidden');
    });
  });

  it('refuses an invalid amount, window or request id', () => {
    spec.given(funded).when(commit(R1, 'rapid_response', 0n)).thenFails('fund.invalid', (e) => expect(e.fieldProblems.map((p) => p.field)).toEqual(['amount']));
    spec.given(funded).when(commit(R1, 'other' as FundWindow, 1n)).thenFails('fund.invalid', (e) => expect(e.fieldProblems.map((p) => p.field)).toEqual(['window']));
    spec.given(funded).when(commit(' ', 'rapid_response', 1n)).thenFails('fund.invalid', (e) => expect(e.fieldProblems.map((p) => p.field)).toEqual(['requestId']));
  });

  it('refuses a command for another fiscal year than the fund', () => {
    spec.given(funded).when(commit(R1, 'rapid_response', 1n, officer, 2026)).thenFails('fund.fiscal_year_mismatch');
  });

  it('treats request ids as plain keys, even ones that look like Object internals', () => {
    const events = [...funded, committed('__proto__', 'rapid_response', '10'), committed('constructor', 'rapid_response', '20')];
    expect(commitmentOf(state(events), '__proto__')?.amount).toBe(10n);
    expect(commitmentOf(state(events), 'toString')).toBeUndefined();
    spec.given(funded).when(commit('toString', 'rapid_response', 1n)).then([committed('toString', 'rapid_response', '1')]);
    spec.given(events).when(commit('__proto__', 'rapid_response', 1n)).thenFails('fund.already_committed');
    spec.given(events).when(release('hasOwnProperty')).thenNothingHappens();
  });
});

describe('Fund: releasing a commitment', () => {
  const reserved = [...funded, committed(R1, 'capacity_building', '3000000')];

  it('gives the whole commitment back to its window and removes it', () => {
    spec.given(reserved).when(release(R1, 'rejected')).then([released(R1, 'capacity_building', '3000000', 'rejected')]);
    const events = [...reserved, released(R1, 'capacity_building', '3000000')];
    expect(balance(events, 'capacity_building')).toEqual({ allocated: 5_000_000n, committed: 0n, disbursed: 0n });
    expect(commitmentOf(state(events), R1)).toBeUndefined();
  });

  it("a partner's withdrawal releases too", () => {
    spec.given(reserved).when(release(R1, 'withdrawn', partner)).then([released(R1, 'capacity_building', '3000000', 'withdrawn', 'cr-csirt')]);
  });

  it('after a partial disbursement releases only the remainder; the disbursed part stays committed', () => {
    const events = [...reserved, disbursed(R1, 'capacity_building', 1, '1000000')];
    spec.given(events).when(release(R1, 'grant closed early', system)).then([
      released(R1, 'capacity_building', '2000000', 'grant closed early', 'system:disbursements'),
    ]);
    const after = [...events, released(R1, 'capacity_building', '2000000')];
    expect(balance(after, 'capacity_building')).toEqual({ allocated: 5_000_000n, committed: 1_000_000n, disbursed: 1_000_000n });
  });

  it('is a no-op for a request with no commitment, with or without a fund', () => {
    spec.given([]).when(release(R1)).thenNothingHappens();
    spec.given(funded).when(release(R1)).thenNothingHappens();
  });

  it('is a no-op when released again', () => {
    spec.given([...reserved, released(R1, 'capacity_building', '3000000')]).when(release(R1)).thenNothingHappens();
  });

  it('is a no-op when everything was disbursed: nothing is left to give back', () => {
    const events = [...reserved, disbursed(R1, 'capacity_building', 1, '3000000')];
    spec.given(events).when(release(R1)).thenNothingHappens();
  });

  it.each([admin, auditor])('refuses a $role', (actor) => {
    spec.given(reserved).when(release(R1, 'rejected', actor)).thenFails('fund.not_permitted');
  });

  it('refuses an empty reason or request id', () => {
    spec.given(reserved).when(release(R1, '  ')).thenFails('fund.invalid', (e) => expect(e.fieldProblems.map((p) => p.field)).toEqual(['reason']));
    spec.given(reserved).when(release('')).thenFails('fund.invalid', (e) => expect(e.fieldProblems.map((p) => p.field)).toEqual(['requestId']));
  });

  it('refuses a command for another fiscal year than the fund', () => {
    spec.given(reserved).when(release(R1, 'rejected', officer, 2028)).thenFails('fund.fiscal_year_mismatch');
  });
});

describe('Fund: disbursing', () => {
  const reserved = [...funded, committed(R1, 'capacity_building', '3000000')];

  it('pays a tranche out of the commitment', () => {
    spec.given(reserved).when(disburse(R1, 1, 1_000_000n)).then([disbursed(R1, 'capacity_building', 1, '1000000')]);
    const events = [...reserved, disbursed(R1, 'capacity_building', 1, '1000000')];
    expect(balance(events, 'capacity_building')).toEqual({ allocated: 5_000_000n, committed: 3_000_000n, disbursed: 1_000_000n });
    expect(commitmentOf(state(events), R1)).toEqual({ window: 'capacity_building', amount: 3_000_000n, disbursed: 1_000_000n, tranches: [1] });
  });

  it('an officer may disburse too', () => {
    spec.given(reserved).when(disburse(R1, 2, 5n, officer)).then([disbursed(R1, 'capacity_building', 2, '5', 'officer-1')]);
  });

  it('is idempotent by tranche: the same tranche again changes nothing', () => {
    const events = [...reserved, disbursed(R1, 'capacity_building', 1, '1000000')];
    spec.given(events).when(disburse(R1, 1, 1_000_000n)).thenNothingHappens();
    spec.given(events).when(disburse(R1, 1, 7n)).thenNothingHappens();
  });

  it('may disburse exactly the rest of the commitment, and not a cent more', () => {
    const events = [...reserved, disbursed(R1, 'capacity_building', 1, '1000000')];
    spec.given(events).when(disburse(R1, 2, 2_000_000n)).then([disbursed(R1, 'capacity_building', 2, '2000000')]);
    spec.given(events).when(disburse(R1, 2, 2_000_001n)).thenFails('fund.exceeds_commitment', (error) => {
      expect(error.category).toBe('conflict');
      expect(error.message).toBe(`cannot disburse 2000001 cents for request ${R1}: only 2000000 cents of its commitment remain`);
    });
  });

  it('refuses a request with no commitment: never committed, released, or no fund at all', () => {
    spec.given([]).when(disburse(R1, 1, 1n)).thenFails('fund.not_committed');
    spec.given(funded).when(disburse(R1, 1, 1n)).thenFails('fund.not_committed');
    spec.given([...reserved, released(R1, 'capacity_building', '3000000')]).when(disburse(R1, 1, 1n)).thenFails('fund.not_committed');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses tranche number %s', (tranche) => {
    spec.given(reserved).when(disburse(R1, tranche, 1n)).thenFails('fund.invalid', (e) => expect(e.fieldProblems.map((p) => p.field)).toEqual(['tranche']));
  });

  it('refuses a non-positive amount', () => {
    spec.given(reserved).when(disburse(R1, 1, 0n)).thenFails('fund.invalid', (e) => expect(e.fieldProblems.map((p) => p.field)).toEqual(['amount']));
  });

  it.each([admin, partner, auditor])('refuses a $role', (actor) => {
    spec.given(reserved).when(disburse(R1, 1, 1n, actor)).thenFails('fund.not_permitted');
  });

  it('refuses a command for another fiscal year than the fund', () => {
    spec.given(reserved).when(disburse(R1, 1, 1n, system, 2026)).thenFails('fund.fiscal_year_mismatch');
  });
});

describe('Fund: state helpers', () => {
  it('a fund that does not exist yet has empty windows and no commitments', () => {
    expect(windowBalance(fundDecider.initialState(), 'rapid_response')).toEqual({ allocated: 0n, committed: 0n, disbursed: 0n });
    expect(commitmentOf(fundDecider.initialState(), R1)).toBeUndefined();
  });

  it('events before the first allocation change nothing (they cannot be decided, but evolve is total)', () => {
    expect(state([committed(R1, 'rapid_response', '5')])).toEqual({ status: 'none' });
  });
});
