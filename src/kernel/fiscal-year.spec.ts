import fc from 'fast-check';
import { fiscalYearOf, fiscalYearStart } from './fiscal-year';

const at = (iso: string) => new Date(iso);

describe('fiscalYearOf, October start (the default)', () => {
  it('FY2027 runs from 2026-10-01T00:00Z to 2027-09-30T23:59:59.999Z', () => {
    expect(fiscalYearOf(at('2026-09-30T23:59:59.999Z'), 10)).toBe(2026);
    expect(fiscalYearOf(at('2026-10-01T00:00:00.000Z'), 10)).toBe(2027);
    expect(fiscalYearOf(at('2026-11-28T10:00:00Z'), 10)).toBe(2027);
    expect(fiscalYearOf(at('2026-12-31T23:59:59.999Z'), 10)).toBe(2027);
    expect(fiscalYearOf(at('2027-01-01T00:00:00.000Z'), 10)).toBe(2027);
    expect(fiscalYearOf(at('2027-09-30T23:59:59.999Z'), 10)).toBe(2027);
    expect(fiscalYearOf(at('2027-10-01T00:00:00.000Z'), 10)).toBe(2028);
  });

  it('uses UTC, not local time', () => {
    // 2026-09-30T20:00-05:00 is 2026-10-01T01:00Z: already FY2027.
    expect(fiscalYearOf(at('2026-09-30T20:00:00-05:00'), 10)).toBe(2027);
    // 2026-10-01T01:00+02:00 is 2026-09-30T23:00Z: still FY2026.
    expect(fiscalYearOf(at('2026-10-01T01:00:00+02:00'), 10)).toBe(2026);
  });
});

describe('fiscalYearOf, January start', () => {
  it('is the calendar year (UTC)', () => {
    expect(fiscalYearOf(at('2026-12-31T23:59:59.999Z'), 1)).toBe(2026);
    expect(fiscalYearOf(at('2027-01-01T00:00:00.000Z'), 1)).toBe(2027);
    expect(fiscalYearOf(at('2027-09-30T12:00:00Z'), 1)).toBe(2027);
    expect(fiscalYearOf(at('2027-10-01T00:00:00Z'), 1)).toBe(2027);
    expect(fiscalYearOf(at('2027-12-31T23:59:59.999Z'), 1)).toBe(2027);
    expect(fiscalYearOf(at('2026-12-31T20:00:00-05:00'), 1)).toBe(2027);
  });
});

describe('fiscalYearOf, other start months', () => {
  it('a July start: FY2027 runs from 2026-07-01 to 2027-06-30', () => {
    expect(fiscalYearOf(at('2026-06-30T23:59:59.999Z'), 7)).toBe(2026);
    expect(fiscalYearOf(at('2026-07-01T00:00:00Z'), 7)).toBe(2027);
    expect(fiscalYearOf(at('2027-06-30T23:59:59.999Z'), 7)).toBe(2027);
  });

  it('a December start: only December belongs to the next year', () => {
    expect(fiscalYearOf(at('2026-11-30T23:59:59.999Z'), 12)).toBe(2026);
    expect(fiscalYearOf(at('2026-12-01T00:00:00Z'), 12)).toBe(2027);
  });

  it('refuses a start month outside 1..12 and an invalid date', () => {
    for (const month of [0, 13, 1.5, Number.NaN]) expect(() => fiscalYearOf(at('2026-10-01T00:00:00Z'), month)).toThrow(RangeError);
    expect(() => fiscalYearOf(new Date(Number.NaN), 10)).toThrow(RangeError);
  });
});

describe('fiscalYearStart', () => {
  it('is the first instant of the fiscal year, in UTC', () => {
    expect(fiscalYearStart(2027, 10).toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(fiscalYearStart(2027, 1).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(fiscalYearStart(2027, 12).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it('every instant belongs to the fiscal year whose window contains it, for every start month', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 12 }),
        (date, startMonth) => {
          const year = fiscalYearOf(date, startMonth);
          expect(fiscalYearStart(year, startMonth).getTime()).toBeLessThanOrEqual(date.getTime());
          expect(fiscalYearStart(year + 1, startMonth).getTime()).toBeGreaterThan(date.getTime());
          // Named by the calendar year in which it ends: its last instant is in that calendar year.
          expect(new Date(fiscalYearStart(year + 1, startMonth).getTime() - 1).getUTCFullYear()).toBe(year);
        },
      ),
    );
  });
});

