import type { ActionArea, RequestKind, Sector, Severity } from './aid-request.values';

/** Who issued a command, and when: supplied by the edge, never read from a clock in the domain. */
export interface CommandContext {
  readonly actor: { readonly sub: string; readonly role: string; readonly country?: string };
  readonly now: Date;
}

export interface FileAidRequest {
  readonly type: 'FileAidRequest';
  readonly data: {
    readonly requestId: string;
    readonly kind: RequestKind;
    readonly title: string;
    readonly description: string;
    readonly actionArea: ActionArea;
    readonly amountRequested: bigint;
    readonly incident?: {
      readonly severity: Severity;
      readonly ongoing: boolean;
      readonly detectedAt: Date;
      readonly sectors: readonly Sector[];
    };
    readonly capacity?: {
      readonly durationMonths: number;
      readonly sectors: readonly Sector[];
      readonly milestones: readonly { readonly title: string; readonly amount: bigint }[];
    };
    readonly contact?: { readonly name: string; readonly email: string };
  };
  readonly context: CommandContext;
}

export type AidRequestCommand = FileAidRequest;
