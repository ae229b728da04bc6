import type { RecordedEvent } from '@app/event-store';
import type { AidRequestView } from '../../aid-requests/projections/aid-request-view';
import type { AlertType } from '../domain/webhook-types';

const WHAT: Readonly<Record<AlertType, string>> = {
  'alert.urgent_incident': 'Urgent incident: a rapid-response request was triaged at high priority',
  'alert.sla_breached': 'SLA breached: a deadline passed without the fund acting',
  'alert.second_approval_needed': 'Second approval needed: a first officer approved; another must decide',
  'alert.information_provided': 'Information provided: the partner answered the fund’s question',
  'alert.possible_duplicate': 'Possible duplicate: this request may repeat an open one',
  'alert.report_overdue': 'Report overdue: a progress report is late',
};

/**
 * The alert e-mail for duty officers: a subject that starts `[CDT P<priority>]`, and a plain-text
 * body naming the request, its country and what happened. No title, description or contact.
 */
export function alertMail(type: AlertType, view: AidRequestView, event: RecordedEvent): { subject: string; body: string } {
  const what = WHAT[type];
  const headline = what.slice(0, what.indexOf(':'));
  const subject = `[CDT P${view.priority ?? '-'}] ${headline}: ${view.country} request ${view.id}`;
  const body = [
    what + '.',
    '',
    `Request:   ${view.id}`,
    `Country:   ${view.country}`,
    `Kind:      ${view.kind}`,
    `Status:    ${view.status}`,
    `Track:     ${view.track ?? '-'}`,
    `Priority:  ${view.priority ?? '-'}`,
    `Event:     ${event.type} (version ${event.version}, position ${event.position}) at ${event.recordedAt.toISOString()}`,
    '',
    `Alert type: ${type}`,
  ].join('\n');
  return { subject, body };
}
