import type { DomainEvent } from '@app/event-store/decider';
import type { RiskLevel } from './partner.values';

/** An officer assessed a partner country's risk; the assessment is valid until `validUntil`. */
export type PartnerAssessed = DomainEvent<
  'PartnerAssessed',
  {
    readonly country: string;
    readonly riskLevel: RiskLevel;
    readonly validUntil: string;
    readonly summary: string;
    readonly assessedBy: string;
    readonly assessedAt: string;
  }
>;

export type PartnerEvent = PartnerAssessed;
