import { DomainError, fold } from '@app/event-store/decider';
import { DeciderSpecification } from '@app/testing';
import type { CommandContext } from '../../kernel/command-context';
import type { Track } from '../../kernel/track';
import type { PartnerStanding } from '../../kernel/due-diligence';
import type { AidRequestCommand, ApprovalPolicy, ApproveAidRequest } from './aid-request.commands';
import { aidRequestDecider } from './aid-request.decider';
import type { AidRequestEvent, ApprovalRecorded, GrantApproved, TrancheData } from './aid-request.events';
import { splitToCap } from './grant-risk.rules';

/*
 * Given/When/Then for the approval and tranche rules that due diligence drives (docs/api.md, "Due
 * diligence"): capacity building needs a valid assessment, rapid response records the waiver,
 * high risk needs two officers and capped tranches, medium and high risk need a report before each
 * later tranche, and every grant releases its tranches in order.
 */

const spec = DeciderSpecification.for(aidRequestDecider);
const REQUEST_ID = '019ac9a0-0000-7000-8000-00000000d0d1';
const FILED_AT = '2026-11-28T10:00:00.000Z';
const APPROVE_AT = '2026-11-28T14:00:00.000Z';
const policy: ApprovalPolicy = { fourEyesThreshold: 25_000_000n, fiscalYearStartMonth: 10, highRiskMaxTranchePercent: 25 };

type Actor = CommandContext['actor'];
const ana: Actor = { sub: 'officer-ana', role: 'officer' };
const ben: Actor = { sub: 'officer-ben', role: 'officer' };
const crPartner: Actor = { sub: 'cr-csirt', role: 'partner', country: 'CR' };
const system: Actor = { sub: 'system', role: 'system' };
const ctx = (actor: Actor, at: string): CommandContext => ({ actor, now: new Date(at) });

const standing = (riskLevel: 'low' | 'medium' | 'high', validUntil = '2027-06-30T23:59:59.999Z'): PartnerStanding => ({ riskLevel, validUntil });

/** A request under review by Ana: an incident (rapid response) or a capacity request with milestones, on the given track. */
function underReview(track: Track, milestones: readonly bigint[] = [1_000_000n, 2_000_000n]): AidRequestEvent[] {
  const amountRequested = milestones.reduce((sum, amount) => sum + amount, 0n).toString();
  const common = {
    requestId: REQUEST_ID,
    country: 'CR',
    title: 'National CSIRT',
    description: 'Stand up and staff a national CSIRT over two years.',
    actionArea: 'partner_capacity' as const,
    amountRequested,
    contact: null,
    filedBy: crPartner.sub,
    filedAt: FILED_AT,
  };
  const filed: AidRequestEvent =
    track === 'capacity_building'
      ? {
          type: 'AidRequestFiled',
          data: {
            ...common,
            kind: 'capacity_building',
            capacity: { durationMonths: 24, sectors: [], milestones: milestones.map((amount, i) => ({ title: `Milestone ${i + 1}`, amount: amount.toString() })) },
          },
        }
      : {
          type: 'AidRequestFiled',
          data: { ...common, kind: 'incident_response', incident: { severity: 'critical', ongoing: true, detectedAt: '2026-11-27T08:00:00.000Z', sectors: ['government'] } },
        };
  return [
    filed,
    {
      type: 'AidRequestTriaged',
      data: {
        requestId: REQUEST_ID,
        track,
        priority: track === 'rapid_response' ? 1 : 5,
        reasons: ['test'],
        acknowledgeBy: '2026-12-08T10:00:00.000Z',
        decideBy: '2027-02-26T10:00:00.000Z',
        source: { kind: 'policy' },
        triagedAt: '2026-11-28T10:00:05.000Z',
      },
    },
    { type: 'AidRequestClaimed', data: { requestId: REQUEST_ID, officer: ana.sub, claimedAt: '2026-11-28T10:30:00.000Z', acknowledgedInTime: true } },
  ];
}

const approve = (amountApproved: bigint, partner: PartnerStanding, options: { actor?: Actor; at?: string; tranches?: bigint[]; policy?: ApprovalPolicy } = {}): ApproveAidRequest => ({
  type: 'ApproveAidRequest',
  data: { amountApproved, tranches: options.tranches },
  policy: options.policy ?? policy,
  partner,
  context: ctx(options.actor ?? ana, options.at ?? APPROVE_AT),
});

const tranchesOf = (...amounts: bigint[]): TrancheData[] => amounts.map((amount, i) => ({ number: i + 1, amount: amount.toString() }));

/** The events of an accepted decision (fails the test when it was refused). */
function decided(events: readonly AidRequestEvent[], command: AidRequestCommand): readonly AidRequestEvent[] {
  const result = aidRequestDecider.decide(command, fold(aidRequestDecider, events));
  if (result instanceof DomainError) throw new Error(`refused: ${result.code} — ${result.message}`);
  return result;
}

function recordedOf(events: readonly AidRequestEvent[]): ApprovalRecorded['data'] | undefined {
  return events.flatMap((e) => (e.type === 'ApprovalRecorded' ? [e.data] : []))[0];
}
function grantOf(events: readonly AidRequestEvent[]): GrantApproved['data'] | undefined {
  return events.flatMap((e) => (e.type === 'GrantApproved' ? [e.data] : []))[0];
}

describe('Due diligence at approval: capacity building needs a valid assessment', () => {
  it('without any assessment the approval is refused', () => {
    spec.given(underReview('capacity_building')).when(approve(3_000_000n, null)).thenFails('aid_request/due-diligence-required');
  });

  it('with an assessment that expired (or expires at this very instant) it is refused', () => {
    spec.given(underReview('capacity_building')).when(approve(3_000_000n, standing('low', '2026-11-28T13:59:59.999Z'))).thenFails('aid_request/due-diligence-required');
    spec.given(underReview('capacity_building')).when(approve(3_000_000n, standing('low', APPROVE_AT))).thenFails('aid_request/due-diligence-required');
  });

  it('with a valid assessment it goes through, and the grant records the risk level', () => {
    const events = decided(underReview('capacity_building'), approve(3_000_000n, standing('low')));
    expect(recordedOf(events)?.dueDiligence).toBe('low');
    expect(grantOf(events)).toMatchObject({ dueDiligence: 'low', tranches: tranchesOf(1_000_000n, 2_000_000n), approvals: [ana.sub] });
  });

  it('the rule follows the track: an incident triaged to capacity building needs one too', () => {
    const history = underReview('capacity_building', []);
    history[0] = { ...underReview('rapid_response')[0]! };
    spec.given(history).when(approve(1_000n, null)).thenFails('aid_request/due-diligence-required');
  });
});

describe('Due diligence at approval: rapid response', () => {
  it('without an assessment it goes through and records the emergency waiver', () => {
    const events = decided(underReview('rapid_response'), approve(1_000_000n, null));
    expect(recordedOf(events)?.dueDiligence).toBe('waived_emergency');
    expect(grantOf(events)).toMatchObject({ dueDiligence: 'waived_emergency', tranches: tranchesOf(1_000_000n) });
  });

  it('with an expired assessment likewise: waived', () => {
    expect(grantOf(decided(underReview('rapid_response'), approve(1_000_000n, standing('high', '2026-01-01T00:00:00Z'))))?.dueDiligence).toBe('waived_emergency');
  });

  it('with a valid assessment it records the risk level (and its rules apply)', () => {
    expect(grantOf(decided(underReview('rapid_response'), approve(1_000_000n, standing('medium'))))?.dueDiligence).toBe('medium');
  });
});

describe('Due diligence at approval: high risk', () => {
  it('every approval needs two officers, even far below the four-eyes threshold', () => {
    const events = decided(underReview('rapid_response'), approve(1_000_000n, standing('high')));
    expect(events.map((e) => e.type)).toEqual(['ApprovalRecorded']);
    expect(recordedOf(events)).toMatchObject({ awaitingSecondApproval: true, dueDiligence: 'high' });
  });

  it('a second, different officer completes it; the grant records high risk and names both', () => {
    const first = decided(underReview('rapid_response'), approve(1_000_000n, standing('high')));
    const second = decided([...underReview('rapid_response'), ...first], approve(1_000_000n, standing('high'), { actor: ben, at: '2026-11-28T16:00:00Z' }));
    expect(second.map((e) => e.type)).toEqual(['ApprovalRecorded', 'GrantApproved']);
    expect(grantOf(second)).toMatchObject({ dueDiligence: 'high', approvals: [ana.sub, ben.sub], tranches: tranchesOf(250_000n, 250_000n, 250_000n, 250_000n) });
    spec.given([...underReview('rapid_response'), ...first]).when(approve(1_000_000n, standing('high'))).thenFails('aid_request.four_eyes');
  });

  it('the second approval confirms the standing recorded at the first, even if the assessment changed or expired since', () => {
    const first = decided(underReview('capacity_building'), approve(3_000_000n, standing('high')));
    for (const later of [null, standing('low'), standing('high', '2026-11-28T15:00:00Z')]) {
      const second = decided([...underReview('capacity_building'), ...first], approve(3_000_000n, later, { actor: ben, at: '2026-11-28T16:00:00Z' }));
      expect(grantOf(second)?.dueDiligence).toBe('high');
    }
  });

  it('default tranches are split so that none exceeds a quarter of the amount approved, sums exact', () => {
    // Rapid response: one tranche of 1,000,001 → five of 200,000 (the cent left over on the last).
    const rapid = decided(underReview('rapid_response'), approve(1_000_001n, standing('high')));
    expect(recordedOf(rapid)?.tranches).toEqual(tranchesOf(200_000n, 200_000n, 200_000n, 200_000n, 200_001n));
    // Capacity: milestones of 1,000,000 and 2,000,000; cap 750,000 → 2 + 3 parts, in milestone order.
    const capacity = decided(underReview('capacity_building'), approve(3_000_000n, standing('high')));
    expect(recordedOf(capacity)?.tranches).toEqual(tranchesOf(500_000n, 500_000n, 666_666n, 666_667n, 666_667n));
  });

  it('explicit tranches above a quarter are refused; at exactly a quarter they are kept', () => {
    spec
      .given(underReview('rapid_response'))
      .when(approve(1_000_000n, standing('high'), { tranches: [250_001n, 249_999n, 250_000n, 250_000n] }))
      .thenFails('aid_request/risk-limit');
    const events = decided(underReview('rapid_response'), approve(1_000_000n, standing('high'), { tranches: [250_000n, 250_000n, 250_000n, 250_000n] }));
    expect(recordedOf(events)?.tranches).toEqual(tranchesOf(250_000n, 250_000n, 250_000n, 250_000n));
  });

  it('an amount too small to split into quarters of whole cents is refused', () => {
    spec.given(underReview('rapid_response')).when(approve(3n, standing('high'))).thenFails('aid_request/risk-limit');
  });

  it('the share is configuration (HIGH_RISK_MAX_TRANCHE_PERCENT)', () => {
    const half = { ...policy, highRiskMaxTranchePercent: 50 };
    expect(recordedOf(decided(underReview('rapid_response'), approve(1_000_000n, standing('high'), { policy: half })))?.tranches).toEqual(tranchesOf(500_000n, 500_000n));
  });

  it('tranches that do not add up are still a 400 (checked before the risk rules)', () => {
    spec.given(underReview('rapid_response')).when(approve(1_000_000n, standing('high'), { tranches: [1n] })).thenFails('aid_request.invalid');
  });
});

describe('Due diligence at approval: low and medium risk', () => {
  it('one officer below the threshold, tranches as usual', () => {
    for (const level of ['low', 'medium'] as const) {
      const events = decided(underReview('capacity_building'), approve(3_000_000n, standing(level)));
      expect(events.map((e) => e.type)).toEqual(['ApprovalRecorded', 'GrantApproved']);
      expect(grantOf(events)?.tranches).toEqual(tranchesOf(1_000_000n, 2_000_000n));
    }
  });
});

describe('splitToCap', () => {
  it('keeps amounts within the cap as they are and splits the others into the fewest near-equal parts', () => {
    expect(splitToCap([100n, 300n], 400n, 25)).toEqual([100n, 100n, 100n, 100n]);
    expect(splitToCap([10n], 10n, 25)).toEqual([2n, 2n, 2n, 2n, 2n]);
    expect(splitToCap([11n], 11n, 25)).toEqual([1n, 2n, 2n, 2n, 2n, 2n]);
    expect(splitToCap([3n], 3n, 25)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Releases: in order, and for medium and high risk after a report.
// ---------------------------------------------------------------------------------------------

/** A grant of three tranches (1,000,000 + 1,000,000 + 1,000,000) approved by Ana and, for high risk, Ben. */
function grant(dueDiligence: PartnerStanding): AidRequestEvent[] {
  const history = underReview('capacity_building', [1_000_000n, 1_000_000n, 1_000_000n]);
  const tranches = [1_000_000n, 1_000_000n, 1_000_000n];
  const first = decided(history, approve(3_000_000n, dueDiligence, { tranches: dueDiligence?.riskLevel === 'high' ? [750_000n, 750_000n, 750_000n, 750_000n] : tranches }));
  if (first.some((e) => e.type === 'GrantApproved')) return [...history, ...first];
  return [...history, ...first, ...decided([...history, ...first], approve(3_000_000n, dueDiligence, { actor: ben }))];
}

const release = (tranche: number, at = '2026-12-01T09:00:00Z'): AidRequestCommand => ({ type: 'ReleaseTranche', data: { tranche }, context: ctx(ana, at) });
const disburse = (tranche: number, at = '2026-12-01T09:05:00Z'): AidRequestCommand => ({ type: 'DisburseTranche', data: { tranche }, context: ctx(system, at) });
const report = (at = '2026-12-10T10:00:00Z'): AidRequestCommand => ({ type: 'ReportProgress', data: { summary: 'Team hired.', final: false }, context: ctx(crPartner, at) });

/** The history after running the commands in turn (each must be accepted). */
function after(history: readonly AidRequestEvent[], ...commands: AidRequestCommand[]): AidRequestEvent[] {
  return commands.reduce<AidRequestEvent[]>((events, command) => [...events, ...decided(events, command)], [...history]);
}

describe('Tranche releases: in order, for every grant', () => {
  it('tranche 2 before tranche 1 is refused', () => {
    spec.given(grant(standing('low'))).when(release(2)).thenFails('aid_request/tranche-order');
  });

  it('tranche 3 before tranche 2 is refused, even with tranche 1 out', () => {
    spec.given(after(grant(standing('low')), release(1), disburse(1))).when(release(3)).thenFails('aid_request/tranche-order');
  });

  it('tranche n once n − 1 is released (a low-risk grant need not wait for the disbursement)', () => {
    const events = decided(after(grant(standing('low')), release(1)), release(2));
    expect(events.map((e) => e.type)).toEqual(['TrancheReleased']);
  });

  it('applies to grants approved under the emergency waiver too', () => {
    spec.given(grantWaived()).when(release(2)).thenFails('aid_request/tranche-order');
  });
});

/** A rapid-response grant of two tranches approved without an assessment (waived). */
function grantWaived(): AidRequestEvent[] {
  const history = underReview('rapid_response');
  return [...history, ...decided(history, approve(2_000_000n, null, { tranches: [1_000_000n, 1_000_000n] }))];
}

describe('Tranche releases: medium and high risk need a report since the previous disbursement', () => {
  it.each(['medium', 'high'] as const)('%s: the first tranche needs no report', (level) => {
    expect(decided(grant(standing(level)), release(1)).map((e) => e.type)).toEqual(['TrancheReleased']);
  });

  it.each(['medium', 'high'] as const)('%s: tranche 2 while tranche 1 is released but not disbursed is refused', (level) => {
    spec.given(after(grant(standing(level)), release(1))).when(release(2)).thenFails('aid_request/report-required');
  });

  it.each(['medium', 'high'] as const)('%s: tranche 2 after tranche 1 was disbursed, without a report since, is refused', (level) => {
    spec.given(after(grant(standing(level)), release(1), disburse(1))).when(release(2)).thenFails('aid_request/report-required');
  });

  it.each(['medium', 'high'] as const)('%s: a report filed before the disbursement does not count', (level) => {
    const history = after(grant(standing(level)), release(1), report('2026-12-01T09:01:00Z'), disburse(1));
    spec.given(history).when(release(2)).thenFails('aid_request/report-required');
  });

  it.each(['medium', 'high'] as const)('%s: a report since the disbursement opens the next tranche, and only that one', (level) => {
    const history = after(grant(standing(level)), release(1), disburse(1), report());
    expect(decided(history, release(2, '2026-12-11T09:00:00Z')).map((e) => e.type)).toEqual(['TrancheReleased']);
    const next = after(history, release(2, '2026-12-11T09:00:00Z'), disburse(2, '2026-12-11T09:05:00Z'));
    spec.given(next).when(release(3, '2026-12-12T09:00:00Z')).thenFails('aid_request/report-required');
    expect(decided(after(next, report('2026-12-20T10:00:00Z')), release(3, '2026-12-21T09:00:00Z')).map((e) => e.type)).toEqual(['TrancheReleased']);
  });

  it('low risk and the waiver need no report', () => {
    expect(decided(after(grant(standing('low')), release(1), disburse(1)), release(2)).map((e) => e.type)).toEqual(['TrancheReleased']);
    expect(decided(after(grantWaived(), release(1), disburse(1)), release(2)).map((e) => e.type)).toEqual(['TrancheReleased']);
  });

  it('a grant approved before due diligence (no dueDiligence recorded) keeps the old rules: no report needed', () => {
    const legacy = grant(standing('medium')).map((e): AidRequestEvent => {
      if (e.type !== 'GrantApproved' && e.type !== 'ApprovalRecorded') return e;
      const { dueDiligence: _dropped, ...data } = e.data;
      return { ...e, data } as AidRequestEvent;
    });
    expect(decided(after(legacy, release(1), disburse(1)), release(2)).map((e) => e.type)).toEqual(['TrancheReleased']);
  });
});
