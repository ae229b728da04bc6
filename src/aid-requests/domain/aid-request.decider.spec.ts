import { DeciderSpecification } from '@app/testing';
import type { FileAidRequest } from './aid-request.commands';
import { aidRequestDecider } from './aid-request.decider';
import type { AidRequestFiled } from './aid-request.events';

const spec = DeciderSpecification.for(aidRequestDecider);
const now = new Date('2026-11-28T10:00:00Z');
const partner = { sub: 'cr-csirt', role: 'partner', country: 'CR' };

function fileIncident(overrides: Partial<FileAidRequest['data']> = {}): FileAidRequest {
  return {
    type: 'FileAidRequest',
    data: {
      requestId: '019ac9a0-0000-7000-8000-000000000001',
      kind: 'incident_response',
      title: 'Ransomware on customs and tax systems',
      description: 'Customs and tax systems encrypted; operations halted since this morning.',
      actionArea: 'countering_threats',
      amountRequested: 2_500_000n,
      incident: { severity: 'critical', ongoing: true, detectedAt: new Date('2026-11-27T08:00:00Z'), sectors: ['government', 'finance'] },
      contact: { encrypted: { v: 1, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'c2VhbGVk', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' } },
      ...overrides,
    },
    context: { actor: partner, now },
  };
}

const filedIncident: AidRequestFiled = {
  type: 'AidRequestFiled',
  data: {
    requestId: '019ac9a0-0000-7000-8000-000000000001',
    country: 'CR',
    kind: 'incident_response',
    title: 'Ransomware on customs and tax systems',
    description: 'Customs and tax systems encrypted; operations halted since this morning.',
    actionArea: 'countering_threats',
    amountRequested: '2500000',
    incident: { severity: 'critical', ongoing: true, detectedAt: '2026-11-27T08:00:00.000Z', sectors: ['government', 'finance'] },
    contact: { encrypted: { v: 1, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'c2VhbGVk', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' } },
    filedBy: 'cr-csirt',
    filedAt: '2026-11-28T10:00:00.000Z',
    tlp: 'AMBER',
  },
};

describe('AidRequest: filing', () => {
  it('records an incident request filed by a partner for its own country', () => {
    spec.given([]).when(fileIncident()).then([filedIncident]);
  });

  it('records a capacity-building request with its milestones', () => {
    const command: FileAidRequest = {
      type: 'FileAidRequest',
      data: {
        requestId: '019ac9a0-0000-7000-8000-000000000002',
        kind: 'capacity_building',
        title: 'National CSIRT',
        description: 'Stand up and staff a national CSIRT over two years.',
        actionArea: 'partner_capacity',
        amountRequested: 3_000_000n,
        capacity: {
          durationMonths: 24,
          sectors: ['telecom', 'telecom'],
          milestones: [
            { title: 'Staffed', amount: 1_000_000n },
            { title: 'Operational', amount: 2_000_000n },
          ],
        },
      },
      context: { actor: partner, now },
    };
    spec.given([]).when(command).then([
      {
        type: 'AidRequestFiled',
        data: {
          requestId: '019ac9a0-0000-7000-8000-000000000002',
          country: 'CR',
          kind: 'capacity_building',
          title: 'National CSIRT',
          description: 'Stand up and staff a national CSIRT over two years.',
          actionArea: 'partner_capacity',
          amountRequested: '3000000',
          capacity: {
            durationMonths: 24,
            sectors: ['telecom'],
            milestones: [
              { title: 'Staffed', amount: '1000000' },
              { title: 'Operational', amount: '2000000' },
            ],
          },
          contact: null,
          filedBy: 'cr-csirt',
          filedAt: '2026-11-28T10:00:00.000Z',
          tlp: 'AMBER',
        },
      },
    ]);
  });

  it('records the TLP label given with the filing', () => {
    const filed = spec.given([]).when(fileIncident({ tlp: 'RED' }));
    filed.then([{ ...filedIncident, data: { ...filedIncident.data, tlp: 'RED' } }]);
  });

  it('refuses to file the same request twice', () => {
    spec.given([filedIncident]).when(fileIncident()).thenFails('aid_request.already_filed');
  });

  it('refuses anyone but a partner with a country', () => {
    const byOfficer = { ...fileIncident(), context: { actor: { sub: 'o1', role: 'officer' }, now } };
    spec.given([]).when(byOfficer).thenFails('aid_request.partner_only');
  });

  it('refuses an incident detected in the future, naming the field', () => {
    const incident = { severity: 'high' as const, ongoing: false, detectedAt: new Date('2026-11-28T10:00:01Z'), sectors: [] };
    spec.given([]).when(fileIncident({ incident })).thenFails('aid_request.invalid', (error) => {
      expect(error.fieldProblems.map((p) => p.field)).toEqual(['incident.detectedAt']);
    });
  });

  it('accepts an incident detected exactly now', () => {
    const incident = { severity: 'high' as const, ongoing: false, detectedAt: now, sectors: [] };
    const result = aidRequestDecider.decide(fileIncident({ incident }), aidRequestDecider.initialState());
    expect(Array.isArray(result)).toBe(true);
  });

  it('requires the section that matches the kind and forbids the other', () => {
    const { incident: _omitted, ...withoutIncident } = fileIncident().data;
    spec.given([]).when({ ...fileIncident(), data: withoutIncident }).thenFails('aid_request.invalid', (error) => {
      expect(error.fieldProblems.map((p) => p.field)).toEqual(['incident']);
    });
    const both = fileIncident({ capacity: { durationMonths: 12, sectors: [], milestones: [{ title: 'x', amount: 2_500_000n }] } });
    spec.given([]).when(both).thenFails('aid_request.invalid', (error) => {
      expect(error.fieldProblems.map((p) => p.field)).toEqual(['capacity']);
    });
  });

  it('requires milestone amounts to sum to the amount requested', () => {
    const command: FileAidRequest = {
      ...fileIncident(),
      data: {
        ...fileIncident().data,
        kind: 'capacity_building',
        amountRequested: 3_000_000n,
        capacity: { durationMonths: 6, sectors: [], milestones: [{ title: 'a', amount: 1_000_000n }, { title: 'b', amount: 1_999_999n }] },
      },
    };
    const { incident: _omitted, ...data } = command.data;
    spec.given([]).when({ ...command, data }).thenFails('aid_request.invalid', (error) => {
      expect(error.fieldProblems).toEqual([
        { field: 'capacity.milestones', message: 'milestone amounts sum to 2999999, but amountRequested is 3000000' },
      ]);
    });
  });

  it('refuses amounts outside 1 .. 10,000,000,000 cents', () => {
    spec.given([]).when(fileIncident({ amountRequested: 0n })).thenFails('aid_request.invalid');
    spec.given([]).when(fileIncident({ amountRequested: 10_000_000_001n })).thenFails('aid_request.invalid');
  });
});
