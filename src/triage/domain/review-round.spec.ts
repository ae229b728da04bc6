import fc from 'fast-check';
import { nextReviewRound, rankRound, reviewRound } from './review-round';

function iso(round: { roundId: string; opensAt: Date; closesAt: Date } | undefined) {
  return round && { roundId: round.roundId, opensAt: round.opensAt.toISOString(), closesAt: round.closesAt.toISOString() };
}

describe('nextReviewRound', () => {
  it('late November goes to the Q1 round of the next year', () => {
    expect(iso(nextReviewRound(new Date('2026-11-28T10:00:00Z')))).toEqual({
      roundId: '2027-Q1',
      opensAt: '2026-10-01T00:00:00.000Z',
      closesAt: '2027-01-01T00:00:00.000Z',
    });
  });

  it('exactly at a quarter start goes to the round after (closesAt strictly after now)', () => {
    expect(nextReviewRound(new Date('2027-01-01T00:00:00.000Z')).roundId).toBe('2027-Q2');
    expect(iso(nextReviewRound(new Date('2027-04-01T00:00:00.000Z')))).toEqual({
      roundId: '2027-Q3',
      opensAt: '2027-04-01T00:00:00.000Z',
      closesAt: '2027-07-01T00:00:00.000Z',
    });
  });

  it('one millisecond before a quarter start still goes to that round', () => {
    expect(nextReviewRound(new Date('2026-12-31T23:59:59.999Z')).roundId).toBe('2027-Q1');
    expect(nextReviewRound(new Date('2027-03-31T23:59:59.999Z')).roundId).toBe('2027-Q2');
    expect(nextReviewRound(new Date('2027-06-30T23:59:59.999Z')).roundId).toBe('2027-Q3');
    expect(nextReviewRound(new Date('2027-09-30T23:59:59.999Z')).roundId).toBe('2027-Q4');
  });

  it('every quarter of a year, including the rollover', () => {
    expect(nextReviewRound(new Date('2027-02-14T12:00:00Z')).roundId).toBe('2027-Q2');
    expect(nextReviewRound(new Date('2027-05-14T12:00:00Z')).roundId).toBe('2027-Q3');
    expect(nextReviewRound(new Date('2027-08-14T12:00:00Z')).roundId).toBe('2027-Q4');
    expect(iso(nextReviewRound(new Date('2027-10-01T00:00:00Z')))).toEqual({
      roundId: '2028-Q1',
      opensAt: '2027-10-01T00:00:00.000Z',
      closesAt: '2028-01-01T00:00:00.000Z',
    });
  });

  it('uses UTC, not local time', () => {
    // 2026-12-31T20:00-05:00 is 2027-01-01T01:00Z, already in Q1 of 2027.
    expect(nextReviewRound(new Date('2026-12-31T20:00:00-05:00')).roundId).toBe('2027-Q2');
  });

  it('refuses an invalid date', () => {
    expect(() => nextReviewRound(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('always returns the round whose window contains now (opensAt ≤ now < closesAt)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }), (now) => {
        const round = nextReviewRound(now);
        expect(round.opensAt.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(round.closesAt.getTime()).toBeGreaterThan(now.getTime());
        expect(reviewRound(round.roundId)).toEqual(round);
      }),
    );
  });
});

describe('reviewRound', () => {
  it('parses an id into its window', () => {
    expect(iso(reviewRound('2027-Q1'))).toEqual({ roundId: '2027-Q1', opensAt: '2026-10-01T00:00:00.000Z', closesAt: '2027-01-01T00:00:00.000Z' });
    expect(iso(reviewRound('2027-Q2'))).toEqual({ roundId: '2027-Q2', opensAt: '2027-01-01T00:00:00.000Z', closesAt: '2027-04-01T00:00:00.000Z' });
    expect(iso(reviewRound('2027-Q3'))).toEqual({ roundId: '2027-Q3', opensAt: '2027-04-01T00:00:00.000Z', closesAt: '2027-07-01T00:00:00.000Z' });
    expect(iso(reviewRound('2027-Q4'))).toEqual({ roundId: '2027-Q4', opensAt: '2027-07-01T00:00:00.000Z', closesAt: '2027-10-01T00:00:00.000Z' });
  });

  it('round-trips with nextReviewRound', () => {
    const round = nextReviewRound(new Date('2026-11-28T10:00:00Z'));
    expect(reviewRound(round.roundId)).toEqual(round);
  });

  it('consecutive rounds tile time: each opens when the previous closes', () => {
    let round = reviewRound('2025-Q1');
    for (let i = 0; i < 12; i += 1) {
      const next = nextReviewRound(round!.closesAt);
      expect(next.opensAt).toEqual(round!.closesAt);
      round = next;
    }
    expect(round!.roundId).toBe('2028-Q1');
  });

  it.each(['', '2027-Q0', '2027-Q5', '2027-q1', '2027Q1', '27-Q1', '02027-Q1', '0999-Q1', '2027-Q1 ', ' 2027-Q1', '2027-Q12', 'abcd-Q1', '2027-Q1\n'])(
    'rejects the malformed id %j',
    (id) => {
      expect(reviewRound(id)).toBeUndefined();
    },
  );
});

describe('rankRound', () => {
  it('ranks by score, highest first, 1-based', () => {
    expect(
      rankRound([
        { requestId: 'a', score: 40, assignedAt: '2026-11-01T00:00:00.000Z' },
        { requestId: 'b', score: 90, assignedAt: '2026-11-02T00:00:00.000Z' },
        { requestId: 'c', score: 65, assignedAt: '2026-11-03T00:00:00.000Z' },
      ]),
    ).toEqual([
      { requestId: 'b', score: 90, rank: 1 },
      { requestId: 'c', score: 65, rank: 2 },
      { requestId: 'a', score: 40, rank: 3 },
    ]);
  });

  it('breaks score ties by the earlier assignedAt, then by requestId', () => {
    expect(
      rankRound([
        { requestId: 'z', score: 70, assignedAt: '2026-11-05T00:00:00.000Z' },
        { requestId: 'y', score: 70, assignedAt: '2026-11-03T00:00:00.000Z' },
        { requestId: 'b', score: 70, assignedAt: '2026-11-04T00:00:00.000Z' },
        { requestId: 'a', score: 70, assignedAt: '2026-11-04T00:00:00.000Z' },
        { requestId: 'top', score: 71, assignedAt: '2026-12-30T00:00:00.000Z' },
      ]).map((e) => `${e.rank}:${e.requestId}`),
    ).toEqual(['1:top', '2:y', '3:a', '4:b', '5:z']);
  });

  it('compares assignedAt as instants, not as text', () => {
    expect(
      rankRound([
        { requestId: 'a', score: 50, assignedAt: '2026-11-04T10:00:00.000Z' },
        { requestId: 'b', score: 50, assignedAt: '2026-11-04T09:00:00-02:00' }, // 11:00Z: later
      ]).map((e) => e.requestId),
    ).toEqual(['a', 'b']);
  });

  it('handles an empty round and leaves its input untouched', () => {
    expect(rankRound([])).toEqual([]);
    const entries = [
      { requestId: 'b', score: 1, assignedAt: '2026-11-04T00:00:00.000Z' },
      { requestId: 'a', score: 2, assignedAt: '2026-11-04T00:00:00.000Z' },
    ];
    const copy = structuredClone(entries);
    rankRound(entries);
    expect(entries).toEqual(copy);
  });

  it('is independent of the input order', () => {
    const entry = fc.record({
      requestId: fc.string({ maxLength: 4 }),
      score: fc.integer({ min: 0, max: 100 }),
      assignedAt: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.requestId, maxLength: 30 }), (entries) => {
        const ranked = rankRound(entries);
        expect(rankRound([...entries].reverse())).toEqual(ranked);
        expect(ranked.map((e) => e.rank)).toEqual(entries.map((_, i) => i + 1));
        for (let i = 1; i < ranked.length; i += 1) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
      }),
    );
  });
});
