import fc from 'fast-check';
import { nextReviewRound, reviewRound } from './review-round';

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

