import type { RiskLevel } from './partner.values';

export interface Assessment {
  readonly riskLevel: RiskLevel;
  readonly validUntil: string;
  readonly summary: string;
  readonly assessedBy: string;
  readonly assessedAt: string;
}

export interface UnassessedPartner {
  readonly status: 'unassessed';
}

/** At least one assessment, oldest first; the last one is the partner's current standing. */
export interface AssessedPartner {
  readonly status: 'assessed';
  readonly country: string;
  readonly latest: Assessment;
  /** Every assessment, oldest first (the last is `latest`). */
  readonly assessments: readonly Assessment[];
}

export type PartnerState = UnassessedPartner | AssessedPartner;

export const initialPartnerState = (): PartnerState => ({ status: 'unassessed' });
