import fc from 'fast-check';
import { ACTION_AREAS, SECTORS } from './aid-request.values';
import { scoreCapacityRequest, type CapacityScoringInput, type ScoreItem, type ScoringCriterion } from './capacity-scoring.policy';

function input(overrides: Partial<CapacityScoringInput> = {}): CapacityScoringInput {
  return {
    actionArea: 'partner_capacity',
    sectors: ['energy', 'health'],
    durationMonths: 18,
    amountRequested: 10_000_000n,
    milestones: [{ amount: 2_000_000n }, { amount: 2_000_000n }, { amount: 2_000_000n }, { amount: 2_000_000n }, { amount: 2_000_000n }],
    windowAvailable: 1_000_000_000n,
    ...overrides,
  };
}

function item(result: ReturnType<typeof scoreCapacityRequest>, criterion: ScoringCriterion): ScoreItem {
  const found = result.breakdown.find((i) => i.criterion === criterion);
  if (!found) throw new Error(`no ${criterion} in the breakdown`);
  return found;
}

function equalMilestones(count: number, each: bigint): { amount: bigint }[] {
  return Array.from({ length: count }, () => ({ amount: each }));
}

describe('scoreCapacityRequest', () => {
  it('the best request scores 100, with every criterion at its maximum', () => {
    const result = scoreCapacityRequest(input());
    expect(result.score).toBe(100);
    expect(result.breakdown.map((i) => [i.criterion, i.points, i.max])).toEqual([
      ['action_area_alignment', 30, 30],
      ['milestone_structure', 30, 30],
      ['amount_vs_window', 25, 25],
      ['duration', 15, 15],
    ]);
    expect(result.breakdown.map((i) => i.reason)).toEqual([
      'action area partner_capacity scores 22; critical-infrastructure sectors energy, health (+8): 30 of 30',
      '5 milestones (12); the largest is 20% of the total (10); the smallest is 100% of the largest (8): 30 of 30',
      '$100,000.00 requested is 1% of the $10,000,000.00 the capacity-building window has available: 25 of 25',
      '18 months, within the preferred 6–36 months: 15 of 15',
    ]);
  });

  it('the score is the sum of the breakdown and the maxima add up to 100', () => {
    const result = scoreCapacityRequest(input({ actionArea: 'data_governance', durationMonths: 40 }));
    expect(result.score).toBe(result.breakdown.reduce((s, i) => s + i.points, 0));
    expect(result.breakdown.reduce((s, i) => s + i.max, 0)).toBe(100);
  });

  it('a poor request scores low', () => {
    const result = scoreCapacityRequest(
      input({
        actionArea: 'data_governance',
        sectors: ['other'],
        durationMonths: 60,
        amountRequested: 50_000_000n,
        milestones: [{ amount: 50_000_000n }],
        windowAvailable: 10_000_000n,
      }),
    );
    expect(result.score).toBe(14 + 2 + 0 + 3);
  });

  describe('action_area_alignment (max 30)', () => {
    it.each([
      ['partner_capacity', 22],
      ['countering_threats', 22],
      ['open_secure_ecosystem', 16],
      ['data_governance', 14],
    ] as const)('%s without critical sectors scores %i', (actionArea, points) => {
      const result = scoreCapacityRequest(input({ actionArea, sectors: [] }));
      expect(item(result, 'action_area_alignment').points).toBe(points);
      expect(item(result, 'action_area_alignment').reason).toContain('no critical-infrastructure sector named');
    });

    it('one critical sector adds 4, two or more add 8; other and repeats do not count', () => {
      const points = (sectors: CapacityScoringInput['sectors']) =>
        item(scoreCapacityRequest(input({ actionArea: 'data_governance', sectors })), 'action_area_alignment').points;
      expect(points(['other'])).toBe(14);
      expect(points(['water'])).toBe(18);
      expect(points(['water', 'water', 'other'])).toBe(18);
      expect(points(['water', 'finance'])).toBe(22);
      expect(points([...SECTORS])).toBe(22);
    });

    it('the strongest areas with critical sectors reach exactly the maximum', () => {
      expect(item(scoreCapacityRequest(input({ actionArea: 'countering_threats', sectors: [...SECTORS] })), 'action_area_alignment').points).toBe(30);
    });
  });

  describe('milestone_structure (max 30)', () => {
    const score = (milestones: { amount: bigint }[]) => item(scoreCapacityRequest(input({ milestones })), 'milestone_structure');

    it('a single milestone scores low', () => {
      const single = score([{ amount: 10_000_000n }]);
      expect(single.points).toBe(2);
      expect(single.reason).toBe(
        '1 milestone (2); the largest is 100% of the total (0); a single milestone cannot be balanced (0): 2 of 30',
      );
    });

    it('no milestones scores 0', () => {
      expect(score([]).points).toBe(0);
    });

    it('more, smaller, balanced milestones score higher', () => {
      const two = score(equalMilestones(2, 5_000_000n)).points; // 6 + 5 + 8
      const three = score(equalMilestones(3, 3_000_000n)).points; // 9 + 8 + 8
      const four = score(equalMilestones(4, 2_500_000n)).points; // 11 + 10 + 8
      const five = score(equalMilestones(5, 2_000_000n)).points; // 12 + 10 + 8
      expect([two, three, four, five]).toEqual([19, 25, 29, 30]);
      expect(score(equalMilestones(20, 500_000n)).points).toBe(30);
    });

    it('unbalanced milestones lose the size and balance points', () => {
      const lopsided = score([{ amount: 9_600_000n }, { amount: 100_000n }, { amount: 100_000n }, { amount: 100_000n }, { amount: 100_000n }]);
      expect(lopsided.points).toBe(12 + 0 + 0);
      expect(lopsided.reason).toBe(
        '5 milestones (12); the largest is 96% of the total (0); the smallest is 1.04% of the largest (0): 12 of 30',
      );
    });

    it('uses integer basis points of bigint cents, however large', () => {
      const huge = 10n ** 30n;
      expect(score([{ amount: huge }, { amount: huge }, { amount: huge }, { amount: huge }]).points).toBe(29);
    });
  });

  describe('amount_vs_window (max 25)', () => {
    const score = (amountRequested: bigint, windowAvailable: bigint | null) =>
      item(scoreCapacityRequest(input({ amountRequested, windowAvailable })), 'amount_vs_window');

    it.each([
      [1n, 25],
      [500n, 25],
      [501n, 21],
      [1_000n, 21],
      [2_500n, 16],
      [5_000n, 10],
      [5_001n, 4],
      [10_000n, 4],
    ])('%i of 10,000 available scores %i', (amount, points) => {
      expect(score(amount, 10_000n).points).toBe(points);
    });

    it('more than available scores 0', () => {
      const over = score(10_001n, 10_000n);
      expect(over.points).toBe(0);
      expect(over.reason).toBe('$100.01 requested is more than the $100.00 the capacity-building window has available: 0 of 25');
    });

    it('an empty or overdrawn window scores 0', () => {
      expect(score(1n, 0n).points).toBe(0);
      expect(score(1n, -5n).points).toBe(0);
    });

    it('an unknown window (null) scores a neutral 12 and says so', () => {
      const unknown = score(10_000_000n, null);
      expect(unknown.points).toBe(12);
      expect(unknown.reason).toBe(
        'no capacity-building allocation is known yet, so the amount cannot be weighed against the window: neutral 12 of 25',
      );
    });

    it('compares money exactly, beyond what a float can hold', () => {
      const available = 2n ** 64n;
      expect(score(available, available).points).toBe(4);
      expect(score(available + 1n, available).points).toBe(0);
      expect(score(available / 20n, available).points).toBe(25);
      expect(score(available / 20n + 1n, available).points).toBe(21); // 5.000…01 %: just over the 5 % line
    });
  });

  describe('duration (max 15)', () => {
    const score = (durationMonths: number) => item(scoreCapacityRequest(input({ durationMonths })), 'duration').points;

    it.each([
      [6, 15],
      [18, 15],
      [36, 15],
      [5, 8],
      [3, 8],
      [37, 8],
      [48, 8],
      [2, 3],
      [1, 3],
      [49, 3],
      [60, 3],
      [0, 0],
      [61, 0],
      [-4, 0],
      [Number.NaN, 0],
      [Number.POSITIVE_INFINITY, 0],
    ])('%d months scores %i', (months, points) => {
      expect(score(months)).toBe(points);
    });
  });

  describe('bounds (property-based)', () => {
    const milestone = fc.record({ amount: fc.bigInt({ min: 0n, max: 10n ** 15n }) });
    const arbitraryInput: fc.Arbitrary<CapacityScoringInput> = fc.record({
      actionArea: fc.constantFrom(...ACTION_AREAS),
      sectors: fc.array(fc.constantFrom(...SECTORS), { maxLength: 12 }),
      durationMonths: fc.oneof(fc.integer({ min: -12, max: 120 }), fc.double()),
      amountRequested: fc.bigInt({ min: -10n, max: 10n ** 16n }),
      milestones: fc.array(milestone, { maxLength: 25 }),
      windowAvailable: fc.option(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 17n }), { nil: null }),
    });

    it('every combination scores an integer from 0 to 100, each criterion within 0..max', () => {
      fc.assert(
        fc.property(arbitraryInput, (candidate) => {
          const result = scoreCapacityRequest(candidate);
          expect(Number.isInteger(result.score)).toBe(true);
          expect(result.score).toBeGreaterThanOrEqual(0);
          expect(result.score).toBeLessThanOrEqual(100);
          expect(result.breakdown.map((i) => i.criterion)).toEqual([
            'action_area_alignment',
            'milestone_structure',
            'amount_vs_window',
            'duration',
          ]);
          for (const i of result.breakdown) {
            expect(Number.isInteger(i.points)).toBe(true);
            expect(i.points).toBeGreaterThanOrEqual(0);
            expect(i.points).toBeLessThanOrEqual(i.max);
            expect(i.reason.length).toBeGreaterThan(0);
          }
          expect(result.score).toBe(result.breakdown.reduce((s, i) => s + i.points, 0));
        }),
        { numRuns: 2_000 },
      );
    });

    it('is deterministic', () => {
      fc.assert(
        fc.property(arbitraryInput, (candidate) => {
          expect(scoreCapacityRequest(candidate)).toEqual(scoreCapacityRequest(candidate));
        }),
      );
    });
  });
});
