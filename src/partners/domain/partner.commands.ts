import type { CommandContext } from '../../kernel/command-context';
import type { RiskLevel } from './partner.values';

export interface AssessPartner {
  readonly type: 'AssessPartner';
  readonly data: {
    readonly country: string;
    readonly riskLevel: RiskLevel;
    /** The instant the assessment stops being valid (a bare date has already become the end of that day, UTC). */
    readonly validUntil: Date;
    readonly summary: string;
  };
  readonly context: CommandContext;
}

export type PartnerCommand = AssessPartner;
