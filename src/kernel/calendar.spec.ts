import { addDuration, addMonths, parseCalendarDuration } from './calendar';

describe('calendar arithmetic', () => {
  it('parses durations with calendar and exact parts', () => {
    expect(parseCalendarDuration('P3M')).toEqual({ months: 3, ms: 0 });
    expect(parseCalendarDuration('P1Y2M')).toEqual({ months: 14, ms: 0 });
    expect(parseCalendarDuration('PT2S')).toEqual({ months: 0, ms: 2000 });
    expect(parseCalendarDuration('P1W1DT1H')).toEqual({ months: 0, ms: 8 * 86_400_000 + 3_600_000 });
    for (const bad of ['', 'P', 'PT', 'P0M', '3M', 'P-1M', 'P1.5M', 'month']) expect(parseCalendarDuration(bad)).toBeUndefined();
  });

  it('adds calendar months, clamping the day to the end of a shorter month', () => {
    expect(addMonths(new Date('2027-01-31T10:00:00Z'), 1).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(addMonths(new Date('2028-01-31T10:00:00Z'), 1).toISOString()).toBe('2028-02-29T10:00:00.000Z');
    expect(addMonths(new Date('2027-03-15T00:00:00Z'), 12).toISOString()).toBe('2028-03-15T00:00:00.000Z');
    expect(addMonths(new Date('2027-11-30T00:00:00Z'), 3).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('counts each step from the start, so a period from the 31st stays on each month’s last day', () => {
    const start = new Date('2027-01-31T00:00:00Z');
    const months = { months: 1, ms: 0 };
    expect([1, 2, 3].map((k) => addDuration(start, months, k).toISOString().slice(0, 10))).toEqual(['2027-02-28', '2027-03-31', '2027-04-30']);
    expect(addDuration(start, { months: 0, ms: 2000 }, 3).toISOString()).toBe('2027-01-31T00:00:06.000Z');
  });
});
