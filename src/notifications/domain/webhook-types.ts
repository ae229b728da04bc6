/** The message types a country-scoped endpoint may receive: its country's requests, and test messages. */
export const COUNTRY_MESSAGE_TYPES = [
  'aid_request.filed',
  'aid_request.triaged',
  'aid_request.under_review',
  'aid_request.information_requested',
  'aid_request.approved',
  'aid_request.rejected',
  'aid_request.withdrawn',
  'aid_request.tranche_disbursed',
  'aid_request.closed',
  'webhook.test',
] as const;

/** Alerts for the fund's duty officers: only fund-scoped endpoints (and the alert e-mail) receive them. */
export const ALERT_MESSAGE_TYPES = [
  'alert.urgent_incident',
  'alert.sla_breached',
  'alert.second_approval_needed',
  'alert.information_provided',
  'alert.possible_duplicate',
  'alert.report_overdue',
] as const;

export const FUND_MESSAGE_TYPES = [...COUNTRY_MESSAGE_TYPES, ...ALERT_MESSAGE_TYPES] as const;

export type MessageType = (typeof FUND_MESSAGE_TYPES)[number];
export type AlertType = (typeof ALERT_MESSAGE_TYPES)[number];

/** `fund` (every country, and alerts) or `country:<ISO 3166-1 alpha-2>`. */
export type WebhookScope = 'fund' | `country:${string}`;

const COUNTRY_SCOPE = /^country:([A-Z]{2})$/;

export function parseScope(value: string): WebhookScope | undefined {
  return value === 'fund' || COUNTRY_SCOPE.test(value) ? (value as WebhookScope) : undefined;
}

/** The country of a country scope; undefined for the fund scope. */
export function scopeCountry(scope: WebhookScope): string | undefined {
  return COUNTRY_SCOPE.exec(scope)?.[1];
}

export function typesForScope(scope: WebhookScope): readonly MessageType[] {
  return scope === 'fund' ? FUND_MESSAGE_TYPES : COUNTRY_MESSAGE_TYPES;
}

export function isAlertType(type: string): type is AlertType {
  return (ALERT_MESSAGE_TYPES as readonly string[]).includes(type);
}

/** Whether an endpoint with this scope and event filter receives a message of this type about a request of this country. */
export function endpointReceives(endpoint: { readonly scope: WebhookScope; readonly events: readonly string[] }, type: string, country: string | null): boolean {
  if (!endpoint.events.includes(type)) return false;
  if (endpoint.scope === 'fund') return true;
  if (isAlertType(type)) return false;
  return country !== null && scopeCountry(endpoint.scope) === country;
}
