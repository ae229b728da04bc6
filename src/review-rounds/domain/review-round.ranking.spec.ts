import fc from 'fast-check';
import { rankRound } from './review-round.ranking';

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
