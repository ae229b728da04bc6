import { addDuration, parseCalendarDuration } from '../../kernel/calendar';
import type { Grant } from './aid-request.state';

export type ReportDueStatus = 'due' | 'received' | 'overdue';

export interface ReportDue {
  readonly dueAt: string;
  readonly status: ReportDueStatus;
}

/** Most ReportOverdue events one check records; a later check records the rest. */
export const MAX_OVERDUE_PER_CHECK = 100;

type Schedule = Pick<Grant, 'approvedAt' | 'endsAt' | 'reportingInterval' | 'overdueReports'>;

/** The k-th due date (k from 1): approval + k × the interval, if it is not after the grant's end. */
export function reportDueDate(grant: Schedule, k: number): string | undefined {
  const interval = grant.reportingInterval === null ? undefined : parseCalendarDuration(grant.reportingInterval);
  if (interval === undefined) return undefined;
  const due = addDuration(new Date(grant.approvedAt), interval, k);
  return due.getTime() <= Date.parse(grant.endsAt) ? due.toISOString() : undefined;
}

/**
 * The schedule as the view shows it: every due date up to and including the next one still
 * awaiting a report, oldest first. The i-th progress report received covers the i-th due date (a
 * report marks the oldest one not yet received); a date whose ReportOverdue was recorded is
 * `overdue` until a report covers it. The list only changes with events (a report, ReportOverdue,
 * an extension), so a stored view never goes stale: a due date that passes either was covered
 * already, or its timer records ReportOverdue. A closed grant shows no next date.
 */
export function reportsDue(grant: Schedule, reportsReceived: number, open: boolean): ReportDue[] {
  const overdue = new Set(grant.overdueReports);
  const list: ReportDue[] = [];
  for (let k = 1; ; k += 1) {
    const dueAt = reportDueDate(grant, k);
    if (dueAt === undefined) return list;
    const status: ReportDueStatus = k <= reportsReceived ? 'received' : overdue.has(dueAt) ? 'overdue' : 'due';
    if (status === 'due') return open ? [...list, { dueAt, status }] : list;
    list.push({ dueAt, status });
  }
}

/** Due dates that have passed by `now` with no report covering them and no ReportOverdue yet, oldest first. */
export function missedReports(grant: Schedule, reportsReceived: number, now: Date): string[] {
  const overdue = new Set(grant.overdueReports);
  const missed: string[] = [];
  for (let k = reportsReceived + 1; missed.length < MAX_OVERDUE_PER_CHECK; k += 1) {
    const dueAt = reportDueDate(grant, k);
    if (dueAt === undefined || Date.parse(dueAt) > now.getTime()) break;
    if (!overdue.has(dueAt)) missed.push(dueAt);
  }
  return missed;
}
