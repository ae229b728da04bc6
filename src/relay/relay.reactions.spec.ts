import type { RecordedEvent } from '@app/event-store';
import { reactionsTo, RELAYED_EVENT_TYPES } from './relay.reactions';

/** Every event type of the aid-request stream (aid-request.events.ts). */
const AID_REQUEST_EVENT_TYPES = [
  'AidRequestFiled',
  'AidRequestTriaged',
  'AidRequestClaimed',
  'SlaBreached',
  'PossibleDuplicateFlagged',
  'CapacityRequestScored',
  'AssignedToReviewRound',
  'InformationRequested',
  'InformationProvided',
  'ApprovalRecorded',
  'GrantApproved',
  'AidRequestRejected',
  'AidRequestWithdrawn',
  'TrancheReleased',
  'TrancheDisbursed',
  'ProgressReported',
  'GrantClosed',
  'AmendmentProposed',
  'AmendmentApproved',
  'AmendmentRejected',
  'ReportOverdue',
];

const NOW = new Date('2026-11-28T12:00:00.000Z');

/** An event of `type` whose data has every field any reaction reads. */
function eventOf(type: string): RecordedEvent {
  return {
    position: 7,
    transactionId: '900',
    eventId: '0192f0a0-1111-7000-8000-000000000007',
    streamId: 'aid-request-0192f0a0-1111-7000-8000-000000000001',
    streamType: 'aid-request',
    version: 2,
    type,
    schemaVersion: 1,
    data: {
      requestId: '0192f0a0-1111-7000-8000-000000000001',
      track: 'rapid_response',
      priority: 1,
      acknowledgeBy: '2026-11-28T14:00:00.000Z',
      decideBy: '2026-11-29T12:00:00.000Z',
      tranche: 1,
      approvedAt: '2026-11-28T12:00:00.000Z',
      reportingInterval: 'P3M',
      awaitingSecondApproval: false,
      effect: { type: 'no_cost_extension', endsAt: '2027-12-28T12:00:00.000Z' },
      dueAt: '2026-11-28T12:00:00.000Z',
    },
    metadata: { correlationId: 'c-1' },
    recordedAt: NOW,
  };
}

describe('the relay reacts to exactly the event types it reads payloads for', () => {
  it.each(AID_REQUEST_EVENT_TYPES)('%s', (type) => {
    const jobs = reactionsTo(eventOf(type), NOW);
    expect(jobs.length > 0).toBe(RELAYED_EVENT_TYPES.includes(type));
  });

  it('lists only aid-request event types', () => {
    expect(RELAYED_EVENT_TYPES.filter((type) => !AID_REQUEST_EVENT_TYPES.includes(type))).toEqual([]);
    expect(RELAYED_EVENT_TYPES).toEqual(
      expect.arrayContaining(['AidRequestFiled', 'AidRequestTriaged', 'TrancheReleased', 'SlaBreached', 'PossibleDuplicateFlagged']),
    );
  });

  it('sends a triaged request to its track, priority kept; its SLA deadlines need no job (the sweep fires them)', () => {
    const triaged = eventOf('AidRequestTriaged');
    expect(reactionsTo(triaged, NOW)).toEqual([
      { queue: 'incident-response', name: 'assess-incident', data: expect.objectContaining({ requestId: '0192f0a0-1111-7000-8000-000000000001' }), jobId: `${triaged.eventId}-incident-response`, priority: 1 },
    ]);
    const capacity = { ...triaged, data: { ...(triaged.data as object), track: 'capacity_building' } };
    expect(reactionsTo(capacity, NOW).map((job) => job.queue)).toEqual(['capacity-grants']);
    expect(reactionsTo(eventOf('InformationProvided'), NOW)).toEqual([]);
  });

  it('times a capacity grant’s first report due date, one timer per date, and none for rapid response', () => {
    const approved = eventOf('GrantApproved');
    expect(reactionsTo(approved, NOW)).toEqual([
      expect.objectContaining({
        queue: 'sla',
        name: 'check-reports',
        jobId: `report-0192f0a0-1111-7000-8000-000000000001-${Date.parse('2027-02-28T12:00:00.000Z')}`,
        delayMs: Date.parse('2027-02-28T12:00:00.000Z') - NOW.getTime(),
      }),
    ]);
    expect(reactionsTo({ ...approved, data: { ...(approved.data as object), reportingInterval: null } }, NOW)).toEqual([]);
  });

  it('re-checks the schedule after an extension, but not after other amendments or a first of two approvals', () => {
    const extended = eventOf('AmendmentApproved');
    expect(reactionsTo(extended, NOW)).toEqual([expect.objectContaining({ queue: 'sla', name: 'check-reports', jobId: `${extended.eventId}-reports` })]);
    expect(reactionsTo({ ...extended, data: { ...(extended.data as object), effect: { type: 'scope_change', description: 'x' } } }, NOW)).toEqual([]);
    expect(reactionsTo({ ...extended, data: { ...(extended.data as object), awaitingSecondApproval: true } }, NOW)).toEqual([]);
  });

  it('raises alert.report_overdue for a missed report', () => {
    expect(reactionsTo(eventOf('ReportOverdue'), NOW)).toEqual([expect.objectContaining({ queue: 'notifications', data: expect.objectContaining({ kind: 'report_overdue' }) })]);
  });

  it('passes over events of other aggregates', () => {
    expect(reactionsTo(eventOf('FundCapitalized'), NOW)).toEqual([]);
  });
});
