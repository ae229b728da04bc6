import type { ActionArea, RequestKind, RequestStatus } from '../domain/aid-request.values';
import type { CapacityDetails, IncidentDetails } from '../domain/aid-request.events';
import type { ContactRecord } from '../domain/aid-request.state';
import type { Track } from '../../kernel/track';
import type { Tlp } from '../../kernel/tlp';
import type { RiskLevel } from '../../kernel/due-diligence';
import type { AmendmentView } from './amendment-view';
import type { ReportDue } from '../domain/reporting-schedule';

/** The request view of the API contract (`GET /v1/aid-requests/:id` and every action's answer). */
export interface AidRequestView {
  readonly id: string;
  readonly country: string;
  readonly kind: RequestKind;
  readonly title: string;
  readonly description: string;
  readonly actionArea: ActionArea;
  readonly status: RequestStatus;
  readonly track: Track | null;
  readonly priority: number | null;
  readonly triageReasons: readonly string[];
  readonly amountRequested: number;
  readonly amountApproved: number | null;
  readonly acknowledgeBy: string | null;
  readonly decideBy: string | null;
  readonly slaBreaches: readonly string[];
  readonly assignedOfficer: string | null;
  readonly approvals: readonly string[];
  readonly tranches: readonly { readonly number: number; readonly amount: number; readonly status: string }[];
  readonly incident: (Omit<IncidentDetails, 'sectors'> & { readonly sectors: readonly string[] }) | null;
  readonly capacity:
    | (Omit<CapacityDetails, 'milestones'> & { readonly milestones: readonly { readonly title: string; readonly amount: number }[] })
    | null;
  /**
   * As stored (in the view table and in the answers kept for idempotent replays): the ciphertext,
   * the mark of a legacy plaintext contact, or the erasure. The API shows it decrypted (see
   * PersonalDataReader) to those who may read the request.
   */
  readonly contact: ContactRecord | null;
  /** Open requests of the same country that this one may duplicate (flagged by the incident-response automation). */
  readonly possibleDuplicates: readonly { readonly requestId: string; readonly reason: string }[];
  /** Capacity-building track: the 0–100 score with its breakdown, and the quarterly review round. */
  readonly score: number | null;
  readonly scoreBreakdown: readonly { readonly criterion: string; readonly points: number; readonly max: number; readonly reason: string }[];
  readonly reviewRound: string | null;
  readonly acknowledgedAt: string | null;
  /** While the fund waits for the partner. */
  readonly informationRequest: { readonly question: string; readonly requestedAt: string } | null;
  /** The fund window that pays (or would pay, after a first approval). */
  readonly funding: { readonly fiscalYear: number; readonly window: string } | null;
  readonly reports: readonly { readonly summary: string; readonly final: boolean; readonly reportedAt: string }[];
  /** When the grant period ends (approval + its months, moved by extensions); null before approval. */
  readonly endsAt: string | null;
  /** Changes proposed to the grant, oldest first. */
  readonly amendments: readonly AmendmentView[];
  /** A capacity grant's report due dates: every one up to the next still awaiting a report, oldest first. */
  readonly reportsDue: readonly ReportDue[];
  readonly decisionReason: string | null;
  readonly filedBy: string;
  /** TLP 2.0 label of the filing. */
  readonly tlp: Tlp;
  readonly version: number;
  readonly filedAt: string;
  readonly updatedAt: string;
  /**
   * Officers and auditors reading the request (GET): the partner country's current risk level (of
   * its latest assessment), null when never assessed. Looked up when read, never stored in the view.
   */
  readonly partnerRiskLevel?: RiskLevel | null;
}
