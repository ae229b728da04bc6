/**
 * Calendar arithmetic for grant periods and reporting schedules, in UTC. Months are calendar
 * months: adding one month to 31 January gives the last day of February (the day of the month is
 * kept where it exists and clamped to the month's last day where it does not). Repeated steps are
 * always counted from the same start (start + k months), never chained, so that a period that
 * starts on the 31st keeps falling on each month's last day instead of drifting to the 28th.
 */

/** An ISO-8601 duration split into its calendar part (months) and its exact part (milliseconds). */
export interface CalendarDuration {
  readonly months: number;
  readonly ms: number;
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Parses an ISO-8601 duration with years and months allowed (`P3M`, `P1Y`, `P2W`, `PT2S`); undefined if malformed or zero. */
export function parseCalendarDuration(text: string): CalendarDuration | undefined {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, years, months, weeks, days, hours, minutes, seconds] = match;
  const duration = {
    months: Number(years ?? 0) * 12 + Number(months ?? 0),
    ms:
      Number(weeks ?? 0) * 7 * 86_400_000 +
      Number(days ?? 0) * 86_400_000 +
      Number(hours ?? 0) * 3_600_000 +
      Number(minutes ?? 0) * 60_000 +
      Math.round(Number(seconds ?? 0) * 1000),
  };
  return duration.months > 0 || duration.ms > 0 ? duration : undefined;
}

/** `date` plus `months` calendar months, the day clamped to the target month's last day; time of day kept. */
export function addMonths(date: Date, months: number): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const result = new Date(date.getTime());
  result.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return result;
}

/** `start` plus `times` × `duration` (months first, then the exact part), counted from `start`. */
export function addDuration(start: Date, duration: CalendarDuration, times: number): Date {
  const shifted = duration.months === 0 ? start : addMonths(start, duration.months * times);
  return new Date(shifted.getTime() + duration.ms * times);
}
