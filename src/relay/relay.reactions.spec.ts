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
      expect.arrayContaining(['AidRequestFiled', 'AidRequestTriaged', 'InformationProvided', 'TrancheReleased', 'SlaBreached', 'PossibleDuplicateFlagged']),
    );
  });

  it('passes over events of other aggregates', () => {
    expect(reactionsTo(eventOf('FundCapitalized'), NOW)).toEqual([]);
  });
});
