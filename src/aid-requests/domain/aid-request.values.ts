export const REQUEST_KINDS = ['incident_response', 'capacity_building'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const ACTION_AREAS = ['open_secure_ecosystem', 'data_governance', 'countering_threats', 'partner_capacity'] as const;
export type ActionArea = (typeof ACTION_AREAS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SECTORS = ['energy', 'health', 'water', 'finance', 'telecom', 'government', 'transport', 'other'] as const;
export type Sector = (typeof SECTORS)[number];

export const REQUEST_STATUSES = [
  'submitted',
  'triaged',
  'under_review',
  'information_requested',
  'awaiting_second_approval',
  'approved',
  'rejected',
  'withdrawn',
  'closed',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const MIN_AMOUNT_CENTS = 1n;
export const MAX_AMOUNT_CENTS = 10_000_000_000n;
