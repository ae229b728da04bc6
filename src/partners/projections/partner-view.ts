import type { RiskLevel } from '../domain/partner.values';

/** `GET /v1/partners/:country`: the latest assessment's risk level and validity, and every assessment, oldest first. */
export interface PartnerView {
  readonly country: string;
  readonly riskLevel: RiskLevel | null;
  readonly validUntil: string | null;
  readonly assessments: readonly {
    readonly riskLevel: RiskLevel;
    readonly validUntil: string;
    readonly summary: string;
    readonly assessedBy: string;
    readonly assessedAt: string;
  }[];
  readonly version: number;
}
