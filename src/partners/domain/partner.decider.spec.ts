import { fold } from '@app/event-store/decider';
import { DeciderSpecification } from '@app/testing';
import type { CommandContext } from '../../kernel/command-context';
import { validRiskLevel } from '../../kernel/due-diligence';
import { standingOf } from './due-diligence';
import type { AssessPartner } from './partner.commands';
import { partnerDecider } from './partner.decider';
import type { PartnerAssessed } from './partner.events';
import type { RiskLevel } from './partner.values';

/* Given/When/Then for the partner's due diligence (docs/api.md, "Due diligence"). */

const spec = DeciderSpecification.for(partnerDecider);
type Actor = CommandContext['actor'];
const ana: Actor = { sub: 'officer-ana', role: 'officer' };
const NOW = '2026-12-01T10:00:00.000Z';

const assess = (riskLevel: RiskLevel, validUntil: string, options: { actor?: Actor; at?: string; country?: string; summary?: string } = {}): AssessPartner => ({
  type: 'AssessPartner',
  data: { country: options.country ?? 'CR', riskLevel, validUntil: new Date(validUntil), summary: options.summary ?? 'Audited accounts, one past finding.' },
  context: { actor: options.actor ?? ana, now: new Date(options.at ?? NOW) },
});

const assessed = (riskLevel: RiskLevel, validUntil: string, at = NOW, summary = 'Audited accounts, one past finding.'): PartnerAssessed => ({
  type: 'PartnerAssessed',
  data: { country: 'CR', riskLevel, validUntil: new Date(validUntil).toISOString(), summary, assessedBy: ana.sub, assessedAt: new Date(at).toISOString() },
});

describe('Partner decisions: AssessPartner', () => {
  it('an officer records an assessment: PartnerAssessed with the risk level, validity, summary, officer and time', () => {
    spec.given([]).when(assess('medium', '2027-06-30T23:59:59.999Z')).then([assessed('medium', '2027-06-30T23:59:59.999Z')]);
  });

  it('a reassessment is recorded too; the latest is the standing and every one is kept, oldest first', () => {
    const history = [assessed('high', '2027-06-30T00:00:00Z')];
    spec.given(history).when(assess('low', '2027-01-31T00:00:00Z', { at: '2026-12-02T10:00:00Z' })).then([assessed('low', '2027-01-31T00:00:00Z', '2026-12-02T10:00:00Z')]);
    const state = fold(partnerDecider, [...history, assessed('low', '2027-01-31T00:00:00Z', '2026-12-02T10:00:00Z')]);
    expect(state.status === 'assessed' && state.assessments.map((a) => a.riskLevel)).toEqual(['high', 'low']);
    expect(standingOf(state)).toEqual({ riskLevel: 'low', validUntil: '2027-01-31T00:00:00.000Z' });
  });

  it.each([
    ['a partner', { sub: 'cr-csirt', role: 'partner', country: 'CR' }],
    ['an auditor', { sub: 'auditor-ines', role: 'auditor' }],
    ['an admin', { sub: 'fund-manager', role: 'admin' }],
    ['the system', { sub: 'system', role: 'system' }],
  ])('only an officer assesses, not %s', (_who, actor) => {
    spec.given([]).when(assess('low', '2027-06-30T00:00:00Z', { actor })).thenFails('partner.officer_only');
  });

  it('validUntil must be in the future: the past and this very instant are refused, naming the field', () => {
    for (const validUntil of ['2026-11-30T10:00:00Z', NOW]) {
      spec
        .given([])
        .when(assess('low', validUntil))
        .thenFails('partner.invalid', (error) => expect(error.fieldProblems.map((p) => p.field)).toEqual(['validUntil']));
    }
    spec.given([]).when(assess('low', '2026-12-01T10:00:00.001Z')).then([assessed('low', '2026-12-01T10:00:00.001Z')]);
  });

  it('the country is an ISO 3166-1 alpha-2 code in capitals', () => {
    spec
      .given([])
      .when(assess('low', '2027-06-30T00:00:00Z', { country: 'cr' }))
      .thenFails('partner.invalid', (error) => expect(error.fieldProblems.map((p) => p.field)).toEqual(['country']));
  });

  it('the summary is 1 to 2,000 characters, not only spaces', () => {
    for (const summary of ['   ', 'x'.repeat(2_001)]) {
      spec
        .given([])
        .when(assess('low', '2027-06-30T00:00:00Z', { summary }))
        .thenFails('partner.invalid', (error) => expect(error.fieldProblems.map((p) => p.field)).toEqual(['summary']));
    }
  });
});

describe('Partner standing: what an approval takes from it', () => {
  it('before any assessment there is no standing', () => {
    expect(standingOf(partnerDecider.initialState())).toBeNull();
    expect(validRiskLevel(null, new Date(NOW))).toBeNull();
  });

  it('an assessment is valid until its instant, exclusive', () => {
    const standing = { riskLevel: 'high' as const, validUntil: '2026-12-31T23:59:59.999Z' };
    expect(validRiskLevel(standing, new Date('2026-12-31T23:59:59.998Z'))).toBe('high');
    expect(validRiskLevel(standing, new Date('2026-12-31T23:59:59.999Z'))).toBeNull();
    expect(validRiskLevel(standing, new Date('2027-01-01T00:00:00Z'))).toBeNull();
  });
});
